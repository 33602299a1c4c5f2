import { systemClock, type Clock } from '../clock.ts';
import { errorMessage } from '../logging/errorMessage.ts';
import { withTimeout } from '../runtime/timeout.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves with a short detail when healthy; throws (or rejects) with the reason when not. */
  check(): Promise<string | undefined>;
  timeoutMs?: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  clock: Clock = systemClock,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, { ok: boolean; detail?: string }]> => {
      try {
        const ms = c.timeoutMs ?? 2000;
        const detail = await withTimeout(ms, () => c.check(), {
          clock,
          message: `timeout (no answer within ${ms} ms)`,
        });
        return [c.name, detail === undefined ? { ok: true } : { ok: true, detail }];
      } catch (err) {
        return [c.name, { ok: false, detail: errorMessage(err) }];
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
