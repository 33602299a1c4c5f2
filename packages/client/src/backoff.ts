export interface RetrySettings {
  /** Attempts in all, the first included (1: never retry). */
  maxAttempts: number;
  /** Ceiling of the first back-off; doubles with each failure. */
  baseDelayMs: number;
  /** Largest back-off the client chooses itself (a longer Retry-After is still honoured). */
  maxDelayMs: number;
  /** No retry starts after this long since the first attempt began. */
  maxElapsedMs: number;
}

export const defaultRetrySettings: RetrySettings = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxElapsedMs: 30_000,
});

/**
 * Back-off before retry number `failures` (1-based), "equal jitter": between
 * half and all of min(maxDelayMs, baseDelayMs * 2^(failures-1)), so clients
 * that failed together do not come back together. `random` is in [0, 1).
 */
export function backoffDelay(
  failures: number,
  settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A `Retry-After` header in milliseconds: delay-seconds or an HTTP date
 * (relative to `nowMs`, wall clock). Null when absent or unreadable, so the
 * caller falls back to its own back-off.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names its weekday and time zone, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  if (!/^[A-Za-z]{3}, .+ GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
