import { randomUUID } from 'node:crypto';
import type { Clock } from '@sketchyaf/core';
import type { OutboxStore } from './outboxStore.ts';

/**
 * How long going to sleep waits for writers that saw this relay awake to
 * commit. A backend transaction that wrote an event and stays open longer
 * makes the relay stay awake and try again after its next claim.
 */
export const sleepBarrierWaitMs = 100;

/** SQLSTATE lock_not_available: the barrier's lock_timeout. */
const lockNotAvailable = '55P03';

export interface WakefulnessTimings {
  /** How often an awake relay renews its row; the poll interval. */
  refreshMs: number;
  /** Rows of relays not seen for this long are forgotten (they died). */
  forgetAfterMs: number;
}

/** The relay polls every pollIntervalMs: a relay unseen for ten polls (at least 30 s) is gone. */
export function wakefulnessTimings(pollIntervalMs: number): WakefulnessTimings {
  return { refreshMs: pollIntervalMs, forgetAfterMs: Math.max(30_000, 10 * pollIntervalMs) };
}

export type Wakefulness = { state: 'unknown' } | { state: 'asleep' } | { state: 'awake'; markedAt: number };

/** Before a claim: whether the row must say (again) that this relay is awake. */
export function mustMarkAwake(current: Wakefulness, now: number, refreshMs: number): boolean {
  return current.state !== 'awake' || now - current.markedAt >= refreshMs;
}

function isLockTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === lockNotAvailable;
}

/**
 * This relay's row in realtime_relays (migration 0012): while every relay is
 * awake, commits that write events do not NOTIFY (NOTIFY serialises
 * commits). Awake means "claims again by itself"; the relay goes to sleep
 * only after a claim found nothing, and claims once more after
 * {@link RelayWakefulness.sleep} returned true.
 */
export class RelayWakefulness {
  readonly relayId = randomUUID();
  readonly #store: Pick<OutboxStore, 'relayAwake' | 'relayAsleep' | 'relayGone'>;
  readonly #clock: Clock;
  readonly #timings: WakefulnessTimings;
  #current: Wakefulness = { state: 'unknown' };

  constructor(
    store: Pick<OutboxStore, 'relayAwake' | 'relayAsleep' | 'relayGone'>,
    clock: Clock,
    timings: WakefulnessTimings,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#timings = timings;
  }

  get state(): Wakefulness['state'] {
    return this.#current.state;
  }

  /** Before a claim. Writers stop NOTIFYing once this resolves. */
  async awake(): Promise<void> {
    const now = this.#clock.now();
    if (!mustMarkAwake(this.#current, now, this.#timings.refreshMs)) return;
    await this.#store.relayAwake(this.relayId);
    this.#current = { state: 'awake', markedAt: now };
  }

  /**
   * After a claim found nothing. True: writers NOTIFY from now on, and every
   * event committed without a NOTIFY is visible to the next claim. False: a
   * writer's transaction held the barrier; still awake, claim again soon.
   */
  async sleep(): Promise<boolean> {
    try {
      await this.#store.relayAsleep(this.relayId, sleepBarrierWaitMs, this.#timings.forgetAfterMs);
    } catch (err) {
      if (isLockTimeout(err)) return false;
      throw err;
    }
    this.#current = { state: 'asleep' };
    return true;
  }

  /** On stop: the row goes, so it does not count as an awake relay. */
  async gone(): Promise<void> {
    this.#current = { state: 'unknown' };
    await this.#store.relayGone(this.relayId);
  }
}
