import type { Clock } from '../clock.ts';

/**
 * At most one log line per interval for a repeating cause (a flood of
 * garbage notifications must not become a flood of log lines); each line
 * says how many were left out since the previous one.
 */
export class LogThrottle {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(clock: Clock, intervalMs: number) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  /** Returns how many occurrences were suppressed before this one when it may be logged now, else null. */
  take(): number | null {
    const now = this.#clock.now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed += 1;
      return null;
    }
    const suppressed = this.#suppressed;
    this.#lastAt = now;
    this.#suppressed = 0;
    return suppressed;
  }
}
