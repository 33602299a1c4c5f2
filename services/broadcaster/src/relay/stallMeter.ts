import type { Clock, TimerHandle } from '@sketchyaf/core';

export interface StallMeterOptions {
  /** How often the ticker wants to run. */
  intervalMs: number;
  /** Lateness of a tick that is still ordinary jitter, not a stall. */
  toleranceMs: number;
  /** Told of each stall of at least a second, once the process runs again. */
  onStall?: (ms: number) => void;
}

/**
 * How long this process was frozen: SIGSTOP, a paused VM or container, a
 * blocked event loop. A ticker asks to run every `intervalMs`; whatever a
 * gap between ticks exceeds that by (beyond the tolerance) was time the
 * process could not run.
 *
 * Why: the relay sorts publishes slower than RELAY_SLOW_CALL_MS into
 * `result="slow"`. A publish in flight while the process was stopped for 4 s
 * looks 4 s slow on resume, which would blame PubNub for our own freeze (and,
 * when slow calls still counted against the breaker, opened it on a healthy
 * PubNub). The relay subtracts the stall from each publish's duration.
 */
export class StallMeter {
  readonly #clock: Clock;
  readonly #options: StallMeterOptions;
  #stalledMs = 0;
  #last = 0;
  #timer: TimerHandle | undefined;
  #running = false;

  constructor(clock: Clock, options: Partial<StallMeterOptions> = {}) {
    this.#clock = clock;
    this.#options = { intervalMs: 50, toleranceMs: 100, ...options };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#last = this.#clock.monotonic();
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Milliseconds frozen since start, counting a stall the ticker has not
   * seen yet (on resume, I/O callbacks can run before the late tick). Never
   * decreases; subtract two readings to get the stall between them.
   */
  totalMs(): number {
    if (!this.#running) return this.#stalledMs;
    return this.#stalledMs + this.#excess(this.#clock.monotonic() - this.#last);
  }

  #excess(gapMs: number): number {
    const { intervalMs, toleranceMs } = this.#options;
    return gapMs > intervalMs + toleranceMs ? gapMs - intervalMs : 0;
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (!this.#running) return;
      const now = this.#clock.monotonic();
      const stalled = this.#excess(now - this.#last);
      this.#stalledMs += stalled;
      this.#last = now;
      if (stalled >= 1000) this.#options.onStall?.(stalled);
      this.#arm();
    }, this.#options.intervalMs);
    this.#timer.unref?.();
  }
}
