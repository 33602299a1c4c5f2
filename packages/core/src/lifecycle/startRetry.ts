import { backoffDelay, backoffPresets, type BackoffSettings } from '../backoff.ts';
import { classifyDatabaseError } from '../db/databaseErrors.ts';

/**
 * Back-off between attempts of a start step that waits for a dependency:
 * quick at first (a restarting server is back within a second or two), and
 * capped at 1 s, so that however long a replica has waited it is ready about
 * a second after the dependency answers again. A second per replica is no load
 * on a server that refuses connections.
 */
export const startRetrySettings: Readonly<BackoffSettings> = backoffPresets.serviceStart;

/** Milliseconds before the next attempt after `failures` consecutive failures (1-based). */
export function startRetryDelay(
  failures: number,
  random: () => number = Math.random,
  settings: BackoffSettings = startRetrySettings,
): number {
  return backoffDelay(failures, settings, random);
}

/**
 * Whether a failed start step is tried again rather than failing the start.
 * Every database failure is: the transient ones pass by themselves, and for the
 * others (migrations not applied yet, a rotated password) a restarting process
 * does no better than one that waits, and waiting keeps probes and metrics up
 * (a missing schema only for a while: StartSequence gives up on it).
 * An error the database did not cause (a bug) fails the start.
 */
export function worthRetryingAtStart(err: unknown): boolean {
  const { kind, code } = classifyDatabaseError(err);
  return kind !== 'unknown' || /^[0-9A-Z]{5}$/.test(code);
}
