import type { Clock } from '@sketchyaf/core';
import type { Envelope } from '../src/events/envelope.ts';
import type { Publisher } from '../src/relay/publisher.ts';

/** One publish the relay sent: which game's event, and when on the test's clock. */
export interface PublishCall {
  channel: string;
  sequence: number | null;
  at: number;
  /** How it ended: undefined while held. */
  outcome?: 'published' | 'failed';
}

/**
 * What the next publish gets: a timetoken (PubNub accepted it), an error to
 * throw (a PublishError subclass), or 'hold' (the call stays in flight until
 * the test releases it).
 */
export type Answer = 'accept' | 'hold' | Error;

/**
 * A Publisher for the relay engine's unit tests: answers each call as the
 * test's script says (accept by default), records every call in order, and
 * can hold calls in flight to be released later.
 */
export class ScriptedPublisher implements Publisher {
  readonly calls: PublishCall[] = [];
  /** Decides each call's answer; the default accepts everything. */
  script: (call: PublishCall) => Answer = () => 'accept';
  readonly #clock: Clock;
  readonly #held: {
    call: PublishCall;
    resolve: (timetoken: string) => void;
    reject: (err: Error) => void;
  }[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  publish(channel: string, message: Envelope): Promise<string> {
    const call: PublishCall = { channel, sequence: message.sequence ?? null, at: this.#clock.now() };
    this.calls.push(call);
    const answer = this.script(call);
    if (answer === 'accept') return Promise.resolve(this.#accept(call));
    if (answer instanceof Error) {
      call.outcome = 'failed';
      return Promise.reject(answer);
    }
    return new Promise((resolve, reject) => this.#held.push({ call, resolve, reject }));
  }

  close(): void {
    // Nothing to release: the fake holds no connection.
  }

  /** Calls held in flight. */
  get holding(): number {
    return this.#held.length;
  }

  /** Ends the oldest held call (or the one on `channel`): accepted, or failed with `error`. */
  release(options: { channel?: string; error?: Error } = {}): void {
    const index = this.#held.findIndex(
      (h) => options.channel === undefined || h.call.channel === options.channel,
    );
    const held = this.#held.splice(index, 1)[0];
    if (index < 0 || held === undefined) throw new Error('ScriptedPublisher.release: no call held');
    if (options.error) {
      held.call.outcome = 'failed';
      held.reject(options.error);
    } else held.resolve(this.#accept(held.call));
  }

  /** Sequences of a channel's calls that PubNub accepted, in the order they were sent. */
  published(channel: string): (number | null)[] {
    return this.calls
      .filter((c) => c.channel === channel && c.outcome === 'published')
      .map((c) => c.sequence);
  }

  #accept(call: PublishCall): string {
    call.outcome = 'published';
    return String(this.#clock.now() * 10_000 + this.calls.indexOf(call));
  }
}
