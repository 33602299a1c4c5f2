import { backoffPresets, doublingDelay } from '@sketchyaf/core';

/**
 * When to send again a request that named a game whose row another
 * transaction holds. Row locks are mostly short (the timer monitor's batch,
 * another group commit: milliseconds), so the first tries come quickly; a
 * long one (a backend transaction left open) must not hold the caller for
 * long either, so after `budgetMs` the answer is 503 game_busy with
 * Retry-After, and the caller decides.
 *
 * Returns the delay before the next try, or null to give up.
 */
export function nextBusyRetryMs(attempt: number, elapsedMs: number, budgetMs: number): number | null {
  const delay = doublingDelay(attempt, backoffPresets.busyRow);
  return elapsedMs + delay > budgetMs ? null : delay;
}

/** Retry-After for a game_busy answer: whole seconds, at least one. */
export function busyRetryAfterSeconds(budgetMs: number): number {
  return Math.max(1, Math.ceil(budgetMs / 1000));
}
