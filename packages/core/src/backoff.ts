export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/** The n-th consecutive failure's (1-based) ceiling: `baseMs` doubling, capped at `maxMs`; no jitter. */
export function doublingDelay(failures: number, settings: BackoffSettings): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
}

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure
 * (1-based) waits between half and all of min(maxMs, baseMs * 2^(n-1)), so
 * retries spread out but never come back at once. `random` is in [0, 1).
 */
export function backoffDelay(
  failures: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const ceiling = doublingDelay(failures, settings);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
