import type { DatabaseErrorKind } from '@sketchyaf/core';

/**
 * What to do when a transition statement failed, from the error's kind and
 * the number of games it carried:
 * - `retry`: a deadlock or serialization failure with a concurrent writer; run it again now.
 * - `backoff`: the database (not a game) is the problem; the replica waits, every game goes back.
 * - `bisect`: something in one of the games' rows broke the statement; split the batch so the
 *   others commit and the culprit ends up alone.
 * - `quarantine`: a single game fails on its own; park it and retry it slowly.
 */
export type BatchFailureAction = 'retry' | 'backoff' | 'bisect' | 'quarantine';

// Kinds a row can cause (a trigger refused it, a data exception, a conflict) or that we cannot
// place: splitting costs a few statements, while backing off would stall every game of the replica.
const gameKinds: ReadonlySet<DatabaseErrorKind> = new Set(['data', 'constraint', 'unknown']);

/**
 * Failed statements of one batch, none of its parts committed, after which
 * the failure counts as the database's: a broken trigger or function fails
 * every row, and splitting 2,500 games down to singles would cost 5,000
 * statements and quarantine healthy games. Parts are tried level by level
 * (breadth first), so 15 failures with no commit means every part of the
 * first four levels failed (1 + 2 + 4 + 8): with 7 bad rows or fewer, some
 * eighth of the batch holds none and commits. Once any part commits, the
 * failures are the games' own, however many.
 */
export const systemicAfterFailures = 15;

/**
 * Failed statements of the replica since its last commit (any batch) after
 * which a game failing alone is not taken for a culprit: when small batches
 * fall due one after another (games started by one statement have deadlines
 * microseconds apart), a broken trigger fails each of them, and each would
 * be split down to singles and quarantine healthy games. A real culprit's
 * siblings commit, which resets the count.
 */
export const singleSystemicAfterFailures = 3;

export interface BatchProgress {
  /** Statements of this batch that failed so far. */
  failed: number;
  /** Parts of this batch that committed so far. */
  committed: number;
  /** Statements of the replica that failed since its last commit, this one included; 0 when unknown. */
  failedSinceCommit?: number;
}

export function planBatchFailure(
  kind: DatabaseErrorKind,
  games: number,
  progress: BatchProgress = { failed: 1, committed: 0 },
): BatchFailureAction {
  if (kind === 'serialization') return 'retry';
  if (!gameKinds.has(kind)) return 'backoff';
  if (progress.committed === 0 && progress.failed >= systemicAfterFailures) return 'backoff';
  if (games > 1) return 'bisect';
  return (progress.failedSinceCommit ?? 0) >= singleSystemicAfterFailures ? 'backoff' : 'quarantine';
}

/** Splits a batch into two halves, the first the larger when odd; both non-empty for two or more. */
export function bisect<T>(items: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}
