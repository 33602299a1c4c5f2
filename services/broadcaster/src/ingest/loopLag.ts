import type { Clock, TimerHandle } from '@sketchyaf/core';

/**
 * How far behind the event loop runs, steadily. A CPU-bound process queues
 * requests in socket buffers and in the loop's pending I/O, where no queue of
 * ours sees them; a tick's lateness does. One late tick (a GC pause, a CPU
 * taken by a neighbour) is a blip whose requests are better answered late
 * than refused; a backlog makes every tick late. So the reading is the
 * least lateness of the last `ticks` ticks (as CoDel watches the minimum
 * sojourn time, not its peaks).
 */
export interface LoopLagMeter {
  /** The standing lag: the least lateness of the last ticks, ms (0 before the first). */
  lagMs(): number;
  stop(): void;
}

export interface LoopLagOptions {
  intervalMs: number;
  /** How many consecutive late ticks make a backlog. */
  ticks: number;
}

export function startLoopLagMeter(clock: Clock, options: LoopLagOptions): LoopLagMeter {
  const { intervalMs } = options;
  const recent: number[] = [];
  let dueAt = clock.monotonic() + intervalMs;
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const now = clock.monotonic();
    recent.push(Math.max(0, now - dueAt));
    if (recent.length > options.ticks) recent.shift();
    dueAt = now + intervalMs;
    timer = clock.setTimeout(tick, intervalMs);
    timer.unref?.();
  };
  timer = clock.setTimeout(tick, intervalMs);
  timer.unref?.();
  return {
    lagMs: () => (recent.length === 0 ? 0 : Math.min(...recent)),
    stop: () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
