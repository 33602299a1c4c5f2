import { backoffDelay, type BackoffSettings } from '@sketchyaf/core';

// The schedule itself lives in core, shared with the services' start-up retries.
export { backoffDelay, type BackoffSettings };

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
