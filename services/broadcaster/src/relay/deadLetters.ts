import {
  backoffDelay,
  backoffPresets,
  describeDatabaseError,
  errorFields,
  sleep,
  type Clock,
  type Logger,
} from '@sketchyaf/core';
import type { OutboxStore } from './outboxStore.ts';

/**
 * Records a dead letter, retrying while the database is unreachable and the
 * relay runs. Returns false if the relay stopped first (the event stays
 * unpublished and is tried again after a restart).
 */
export async function writeDeadLetter(
  store: Pick<OutboxStore, 'deadLetter'>,
  logger: Logger,
  /** `logFields` name the event in the lines about it (event, game, request). */
  entry: { id: string; error: string; attempts: number; logFields?: Record<string, string> },
  running: () => boolean,
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
): Promise<boolean> {
  for (let failures = 1; ; failures += 1) {
    try {
      await store.deadLetter(entry.id, entry.error, entry.attempts);
      return true;
    } catch (err) {
      if (!running()) return false;
      logger.warn('dead-lettering failed; retrying', {
        cause: describeDatabaseError(err),
        ...errorFields(err),
        ...entry.logFields,
        outboxId: entry.id,
      });
      await sleep(backoffDelay(failures, backoffPresets.databaseRetry), clock);
    }
  }
}
