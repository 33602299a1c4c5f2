import type { Clock, TimerHandle } from '@sketchyaf/core';

/** One timer that fires at the earliest time asked for (later requests are kept by the earlier one). */
export class WakeTimer {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  #timer: TimerHandle | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onWake: () => void) {
    this.#clock = clock;
    this.#onWake = onWake;
  }

  /** Wakes at `at` (epoch ms) unless already due earlier; infinity does nothing. */
  arm(at: number): void {
    if (!Number.isFinite(at) || (this.#timer && at >= this.#at)) return;
    this.disarm();
    this.#at = at;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#at = Number.POSITIVE_INFINITY;
        this.#onWake();
      },
      Math.max(0, Math.ceil(at - this.#clock.now())),
    );
  }

  disarm(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }
}
