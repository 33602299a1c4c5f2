import { backoffDelay, type RetrySettings } from './backoff.ts';
import { isRetryable, type ErrorKind } from './errors.ts';

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' | 'time_exhausted' };

/**
 * Whether to retry after attempt number `attempts` failed with `kind`, and
 * after how long. A server's `Retry-After` is a floor (never earlier; the
 * jittered back-off may add to it). A retry that could not start within
 * `maxElapsedMs` of the first attempt is not made: the caller gets the error now
 * rather than after a wait that would end past its budget.
 */
export function nextRetry(
  failure: { kind: ErrorKind; retryAfterMs: number | null },
  attempts: number,
  elapsedMs: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): RetryDecision {
  if (!isRetryable(failure.kind)) return { retry: false, reason: 'not_retryable' };
  if (attempts >= settings.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  const backoff = backoffDelay(attempts, settings, random);
  const delayMs = failure.retryAfterMs === null ? backoff : Math.max(failure.retryAfterMs, backoff);
  if (elapsedMs + delayMs > settings.maxElapsedMs) return { retry: false, reason: 'time_exhausted' };
  return { retry: true, delayMs };
}
