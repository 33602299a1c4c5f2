import type { Clock } from '@sketchyaf/core';

/**
 * All deadlines are in database time. This keeps an estimate of
 * (database clock - local monotonic clock) from the sample with the smallest
 * round trip, so local timers can be armed for database deadlines.
 *
 * Why the monotonic clock: it has sub-millisecond resolution. Estimated from
 * the wall clock (whole milliseconds), the offset was off by up to a
 * millisecond, which the fire margin had to cover on every transition.
 * The monotonic clock does not follow wall-clock steps; the estimate is
 * refreshed at least once a minute (a fresher sample replaces a stale best).
 */
export class DatabaseClock {
  readonly #clock: Clock;
  readonly #read: () => Promise<number>;
  /** Until the first sample: the local wall clock's offset. */
  #offsetMs: number;
  #bestRttMs = Number.POSITIVE_INFINITY;
  #sampledAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, readDatabaseNow: () => Promise<number>) {
    this.#clock = clock;
    this.#read = readDatabaseNow;
    this.#offsetMs = clock.now() - clock.monotonic();
  }

  /** Database time minus the local monotonic clock, ms. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return this.#clock.monotonic() + this.#offsetMs;
  }

  /** Local monotonic time at which the database clock reads `dbTime`. */
  toMonotonic(dbTime: number): number {
    return dbTime - this.#offsetMs;
  }

  /** Takes `samples` readings; a fresher one replaces a stale best after a minute. */
  async calibrate(samples = 5): Promise<void> {
    if (this.#clock.monotonic() - this.#sampledAt > 60_000) this.#bestRttMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < samples; i += 1) {
      const sentMono = this.#clock.monotonic();
      const dbNow = await this.#read();
      const rtt = this.#clock.monotonic() - sentMono;
      if (Number.isFinite(dbNow) && rtt <= this.#bestRttMs) {
        this.#bestRttMs = rtt;
        this.#offsetMs = dbNow - (sentMono + rtt / 2);
        this.#sampledAt = this.#clock.monotonic();
      }
    }
  }
}
