// Imports types only: unit tests load this file directly, and it must not pull
// in pg, Redis or the services (the unit lane proves it starts neither).
import type { Clock, TimerHandle } from '@sketchyaf/core';

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => void;
  handle: TimerHandle;
}

export interface ManualClockOptions {
  /** Wall-clock epoch milliseconds at creation; `monotonic()` starts at 0 regardless. */
  startAt?: number;
}

/** Lets promise chains started by a timer run (and arm their next timers) before time moves on. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock moved by hand. Wall time and monotonic time advance together (set
 * `freeze` aside); timers fire in due order, ties in the order they were armed.
 */
export class ManualClock implements Clock {
  #elapsed = 0;
  readonly #startAt: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  constructor(options: ManualClockOptions = {}) {
    this.#startAt = options.startAt ?? 0;
  }

  now(): number {
    return this.#startAt + this.#elapsed;
  }

  monotonic(): number {
    return this.#elapsed;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    // Like Node, a negative or non-finite delay means "as soon as possible".
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const handle: TimerHandle = { unref: () => handle };
    this.#timers.push({ at: this.#elapsed + delay, seq: this.#seq++, callback, handle });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.handle !== handle);
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Monotonic time of the next timer, or undefined when none is armed. */
  get nextAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves time on by `ms`, firing every timer that falls due on the way, in
   * order, each at its own time; after each one the event loop turns once so
   * that awaited work it started can arm further timers inside the window.
   */
  async tick(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.tick: time only moves forward (asked for ${ms} ms)`);
    const until = this.#elapsed + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > until) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#elapsed = Math.max(this.#elapsed, next.at);
      next.callback();
      await settle();
    }
    this.#elapsed = until;
    await settle();
  }

  /** Fires what is due now (zero-delay timers) and lets their work settle. */
  async flush(): Promise<void> {
    await this.tick(0);
  }

  /** Moves time on by `ms` without running anything: the process was frozen. */
  freeze(ms: number): void {
    this.#elapsed += ms;
  }

  /**
   * Synchronous stepping, for code that measures event-loop ticks: moves time
   * in steps of `stepMs`, running the timers due at each step.
   */
  advance(ms: number, stepMs = 10): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.#elapsed += stepMs;
      const due = this.#timers
        .filter((x) => x.at <= this.#elapsed)
        .sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.#timers = this.#timers.filter((x) => x.at > this.#elapsed);
      for (const timer of due) timer.callback();
    }
  }

  #earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers)
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
