import { backoffPresets, doublingDelay } from '@sketchyaf/core';

/**
 * When one game is retried on its own, apart from its batch. Two cases:
 * a game whose row another transaction holds locked (the statement skipped
 * it) comes back soon, since locks are usually short; a quarantined game
 * (its transition fails on its own data) comes back slowly, because each try
 * costs a failed statement and an operator has to fix the row anyway.
 */
export interface RetryPolicy {
  firstMs: number;
  maxMs: number;
}

export const lockedRetry: RetryPolicy = { firstMs: 25, maxMs: 1000 };
/** The default (TIMER_QUARANTINE_RETRY_MS, TIMER_QUARANTINE_RETRY_MAX_MS). */
export const quarantineRetry: RetryPolicy = { firstMs: 30_000, maxMs: 600_000 };

/** Delay before the `attempt`-th retry (1-based): doubling from `firstMs`, capped at `maxMs`. */
export function retryDelayMs(attempt: number, policy: RetryPolicy): number {
  return doublingDelay(attempt, { baseMs: policy.firstMs, maxMs: policy.maxMs });
}

/** Replica-wide back-off after `failures` consecutive database failures (not a game's fault). */
export function replicaBackoffMs(failures: number): number {
  return doublingDelay(failures + 1, backoffPresets.databaseRetry);
}
