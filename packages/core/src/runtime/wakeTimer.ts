import type { Clock, TimerHandle } from '../clock.ts';

export interface WakeTimerOptions {
  /** Which of the clock's times `at` is on: epoch (`now`, default) or `monotonic`. */
  timeBase?: 'now' | 'monotonic';
  /** Unref the armed timer, so a pending wake alone never keeps the process alive. Default false. */
  unref?: boolean;
}

/**
 * One timer for "wake me at time T": the engines' next deadline or retry.
 * `armEarliest` keeps an earlier wake already armed; `armAt` replaces it.
 * The callback runs at most once per arming.
 */
export class WakeTimer {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  readonly #monotonic: boolean;
  readonly #unref: boolean;
  #timer: TimerHandle | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onWake: () => void, options: WakeTimerOptions = {}) {
    this.#clock = clock;
    this.#onWake = onWake;
    this.#monotonic = options.timeBase === 'monotonic';
    this.#unref = options.unref === true;
  }

  /** When the armed wake is due; infinity when none is armed. */
  get at(): number {
    return this.#at;
  }

  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Wakes at `at` unless already due earlier; infinity does nothing. */
  armEarliest(at: number): void {
    if (!Number.isFinite(at) || (this.#timer && at >= this.#at)) return;
    this.#arm(at);
  }

  /** Wakes at `at` exactly, replacing any armed wake; infinity disarms. */
  armAt(at: number): void {
    if (at === this.#at && this.#timer) return;
    this.disarm();
    if (Number.isFinite(at)) this.#arm(at);
  }

  disarm(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    this.disarm();
    this.#at = at;
    const now = this.#monotonic ? this.#clock.monotonic() : this.#clock.now();
    // Epoch deadlines are whole milliseconds, so round up rather than wake a fraction early;
    // monotonic ones are fractional and timers fire late anyway, so an early wake only re-arms.
    const delay = this.#monotonic ? at - now : Math.ceil(at - now);
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#at = Number.POSITIVE_INFINITY;
        this.#onWake();
      },
      Math.max(0, delay),
    );
    if (this.#unref) this.#timer.unref?.();
  }
}
