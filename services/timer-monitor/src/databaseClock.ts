import type { Clock } from '@sketchyaf/core';

/**
 * All deadlines are in database time. This keeps an estimate of
 * (database clock - local clock) from the sample with the smallest round
 * trip, so local timers can be armed for database deadlines.
 */
export class DatabaseClock {
  readonly #clock: Clock;
  readonly #read: () => Promise<number>;
  #offsetMs = 0;
  #bestRttMs = Number.POSITIVE_INFINITY;
  #sampledAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, readDatabaseNow: () => Promise<number>) {
    this.#clock = clock;
    this.#read = readDatabaseNow;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return this.#clock.now() + this.#offsetMs;
  }

  /** Local wall-clock time at which the database clock reads `dbTime`. */
  toLocal(dbTime: number): number {
    return dbTime - this.#offsetMs;
  }

  /** Takes `samples` readings; a fresher one replaces a stale best after a minute. */
  async calibrate(samples = 5): Promise<void> {
    if (this.#clock.monotonic() - this.#sampledAt > 60_000) this.#bestRttMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < samples; i += 1) {
      const sentAt = this.#clock.now();
      const sentMono = this.#clock.monotonic();
      const dbNow = await this.#read();
      const rtt = this.#clock.monotonic() - sentMono;
      if (Number.isFinite(dbNow) && rtt <= this.#bestRttMs) {
        this.#bestRttMs = rtt;
        this.#offsetMs = dbNow - (sentAt + rtt / 2);
        this.#sampledAt = this.#clock.monotonic();
      }
    }
  }
}
