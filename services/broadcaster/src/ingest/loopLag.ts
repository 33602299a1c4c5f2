import type { Clock, TimerHandle } from '@sketchyaf/core';

/**
 * How far behind the event loop runs. A CPU-bound process queues requests
 * where no queue of ours sees them (socket buffers, the loop's pending I/O),
 * so this is the bound that keeps latency when Node, not the database, is
 * the bottleneck.
 */
export interface LoopLagMeter {
  /** The lateness of the last tick, or of the one overdue now if later; ms. */
  lagMs(): number;
  stop(): void;
}

/** A tick every `intervalMs`; each one measures how late it ran. */
export function startLoopLagMeter(clock: Clock, intervalMs: number): LoopLagMeter {
  let lastLagMs = 0;
  let dueAt = clock.monotonic() + intervalMs;
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const now = clock.monotonic();
    lastLagMs = Math.max(0, now - dueAt);
    dueAt = now + intervalMs;
    timer = clock.setTimeout(tick, intervalMs);
    timer.unref?.();
  };
  timer = clock.setTimeout(tick, intervalMs);
  timer.unref?.();
  return {
    lagMs: () => Math.max(lastLagMs, clock.monotonic() - dueAt),
    stop: () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
