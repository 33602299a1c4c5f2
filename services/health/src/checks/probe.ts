import { errorMessage, systemClock, withTimeout, type Clock } from '@sketchyaf/core';
import type { ProbeOutcome } from '../status/types.ts';

/**
 * Runs `probe` with an abort signal that fires after `timeoutMs`; never
 * rejects. The probe resolves with an optional detail, or throws the reason.
 */
export async function timedProbe(
  timeoutMs: number,
  probe: (signal: AbortSignal) => Promise<string | undefined>,
  clock: Clock = systemClock,
): Promise<ProbeOutcome> {
  const started = clock.monotonic();
  try {
    const detail = await withTimeout(timeoutMs, probe, { clock });
    const ms = clock.monotonic() - started;
    return detail === undefined ? { ok: true, ms } : { ok: true, ms, detail };
  } catch (err) {
    return { ok: false, ms: clock.monotonic() - started, error: errorMessage(err) };
  }
}
