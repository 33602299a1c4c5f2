import type { Clock, TimerHandle } from '@sketchyaf/core';

/** A clock moved by hand: timers run when `advance` passes their time, one tick at a time like an event loop. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { at: number; callback: () => void; handle: TimerHandle }[] = [];
  now(): number {
    return this.#now;
  }
  monotonic(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = {};
    this.#timers.push({ at: this.#now + ms, callback, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.handle !== handle);
  }
  /** Moves time on by `ms` without running anything (the process was frozen). */
  freeze(ms: number): void {
    this.#now += ms;
  }
  /** Moves time on in steps of `stepMs`, running due timers at each step. */
  advance(ms: number, stepMs = 10): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.#now += stepMs;
      const due = this.#timers.filter((x) => x.at <= this.#now);
      this.#timers = this.#timers.filter((x) => x.at > this.#now);
      for (const timer of due) timer.callback();
    }
  }
}
