import type { Clock } from '@sketchyaf/core';
import type { ControlApplier } from '@sketchyaf/control/agent';
import type { TimerMonitor } from '../timerMonitor.ts';

/** The gate the timer monitor reads before starting a batch. */
export interface TimerGate {
  paused: boolean;
}

/**
 * The timer monitor's side of runtime control: while `timers` is paused no
 * transition statement starts; `settled` resolves once the statements already
 * running have committed, which is when the replica acknowledges the pause.
 * On resume the monitor fires every due game at once, each exactly once (the
 * compare-and-set on the game's version).
 */
export function timerControl(
  gate: TimerGate,
  monitor: () => TimerMonitor | undefined,
  clock: Clock,
): ControlApplier {
  return {
    name: 'timers',
    set(spec) {
      gate.paused = spec.timers === 'paused';
      monitor()?.controlChanged();
    },
    settled() {
      return new Promise<void>((resolve) => {
        const check = (): void => {
          const m = monitor();
          if (!gate.paused || !m || m.batchesInFlight === 0) resolve();
          else clock.setTimeout(check, 10).unref?.();
        };
        check();
      });
    },
  };
}
