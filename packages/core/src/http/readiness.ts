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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timeout (no answer within ${ms} ms)`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export async function runReadinessChecks(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, { ok: boolean; detail?: string }]> => {
      try {
        const detail = await withTimeout(c.check(), c.timeoutMs ?? 2000);
        return [c.name, detail === undefined ? { ok: true } : { ok: true, detail }];
      } catch (err) {
        return [c.name, { ok: false, detail: err instanceof Error ? err.message : String(err) }];
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
