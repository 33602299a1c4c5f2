import {
  describeDatabaseError,
  errorFields,
  systemClock,
  type Clock,
  type Logger,
  type Pool,
  type TimerHandle,
} from '@sketchyaf/core';
import { deliveryStates } from '../db/outboxQueries.ts';
import type { DeliveryEvent } from '../relay/outboxRelay.ts';

export type Delivery =
  | { state: 'published'; timetoken: string }
  | { state: 'dead_lettered'; error: string }
  | { state: 'pending' };

interface Entry {
  outboxId?: string;
  result?: Delivery;
  settle?: () => void;
}

export interface WaitHandle {
  /** Waits until every event is published or dead-lettered, or `timeoutMs` passes. */
  wait(outboxIds: ReadonlyMap<string, string>, timeoutMs: number): Promise<Map<string, Delivery>>;
  cancel(): void;
}

/**
 * `?wait=published`: callers register their event ids before the write, so
 * even a relay faster than the HTTP response is seen. The local relay reports
 * deliveries directly; a slow poll of the outbox covers events published by
 * another replica.
 */
export class DeliveryWaiters {
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  #pollTimer: TimerHandle | undefined;
  #closed = false;

  constructor(pool: Pool, logger: Logger, pollIntervalMs = 250, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#pool = pool;
    this.#logger = logger;
    this.#pollIntervalMs = pollIntervalMs;
  }

  register(eventIds: readonly string[]): WaitHandle {
    const mine = eventIds.map((id) => {
      const entry: Entry = {};
      this.#entries.set(id, entry);
      return [id, entry] as const;
    });
    const cancel = (): void => {
      for (const [id, entry] of mine) if (this.#entries.get(id) === entry) this.#entries.delete(id);
    };
    return {
      cancel,
      wait: async (outboxIds, timeoutMs) => {
        for (const [id, entry] of mine) entry.outboxId = outboxIds.get(id);
        const done = (): boolean => mine.every(([, e]) => e.result !== undefined);
        if (!done()) {
          this.#schedulePoll();
          await new Promise<void>((resolve) => {
            const clock = this.#clock;
            const timer = clock.setTimeout(finish, timeoutMs);
            function finish(): void {
              clock.clearTimeout(timer);
              resolve();
            }
            for (const [, entry] of mine) {
              entry.settle = () => {
                if (done()) finish();
              };
            }
          });
        }
        cancel();
        return new Map(mine.map(([id, e]) => [id, e.result ?? { state: 'pending' }]));
      },
    };
  }

  /** From the local relay. */
  notify(delivery: DeliveryEvent): void {
    const entry = this.#entries.get(delivery.eventId);
    if (!entry || entry.result) return;
    entry.result =
      delivery.outcome.state === 'published'
        ? { state: 'published', timetoken: delivery.outcome.timetoken }
        : { state: 'dead_lettered', error: delivery.outcome.error };
    entry.settle?.();
  }

  close(): void {
    this.#closed = true;
    if (this.#pollTimer !== undefined) this.#clock.clearTimeout(this.#pollTimer);
    for (const entry of this.#entries.values()) {
      entry.result ??= { state: 'pending' };
      entry.settle?.();
    }
    this.#entries.clear();
  }

  #schedulePoll(): void {
    if (this.#pollTimer !== undefined || this.#closed) return;
    this.#pollTimer = this.#clock.setTimeout(() => {
      void this.#poll().finally(() => {
        this.#pollTimer = undefined;
        if ([...this.#entries.values()].some((e) => e.outboxId !== undefined && !e.result))
          this.#schedulePoll();
      });
    }, this.#pollIntervalMs);
    this.#pollTimer.unref?.();
  }

  async #poll(): Promise<void> {
    const waiting = new Map<string, Entry>();
    for (const entry of this.#entries.values()) {
      if (entry.outboxId !== undefined && !entry.result) waiting.set(entry.outboxId, entry);
    }
    if (waiting.size === 0) return;
    try {
      for (const row of await deliveryStates(this.#pool, [...waiting.keys()])) {
        const entry = this.#entries.get(row.event_id);
        if (!entry || entry.result) continue;
        entry.result = row.dead_lettered
          ? { state: 'dead_lettered', error: row.last_error ?? 'dead-lettered' }
          : { state: 'published', timetoken: row.publish_timetoken ?? '' };
        entry.settle?.();
      }
    } catch (err) {
      this.#logger.warn('polling delivery states failed', {
        cause: describeDatabaseError(err),
        ...errorFields(err),
      });
    }
  }
}
