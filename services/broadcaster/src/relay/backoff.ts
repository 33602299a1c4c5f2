export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
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
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A `Retry-After` header value in milliseconds: delta-seconds or an HTTP
 * date. Undefined when absent or unreadable; never negative; capped at an hour.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, ms), 3_600_000);
}

export interface RetrySettings extends BackoffSettings {
  /** Attempts per round; after a round the event waits maxMs and starts over. */
  maxAttempts: number;
}

/**
 * When to try a failed event again, given its consecutive failures in this
 * round (including this one) and PubNub's Retry-After, if any. At the end of
 * a round the wait is at least maxMs and the round counter starts over.
 */
export function planRetry(
  failures: number,
  retryAfterMs: number | undefined,
  settings: RetrySettings,
  random: () => number = Math.random,
): { delayMs: number; endOfRound: boolean } {
  let delayMs = backoffDelay(failures, settings, random);
  if (retryAfterMs !== undefined) delayMs = Math.max(delayMs, retryAfterMs);
  const endOfRound = failures >= settings.maxAttempts;
  if (endOfRound) delayMs = Math.max(delayMs, settings.maxMs);
  return { delayMs, endOfRound };
}
