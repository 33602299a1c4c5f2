import type { Pool } from '@sketchyaf/core';
import {
  claimEvents,
  deadLetter,
  markPublished,
  recordFailures,
  relayAsleep,
  relayAwake,
  relayGone,
  type OutboxRow,
  type PublishedMark,
} from '../db/outboxQueries.ts';

export type { OutboxRow, PublishedMark };

/**
 * What the relay asks of the outbox. The relay's decisions (claim sizes,
 * per-game order, in-flight and rate limits, breaker, back-off, pause,
 * lease checks) are made against this port, so they can be driven by an
 * in-memory outbox on a manual clock; the PostgreSQL implementation below
 * is the one that runs, and its SQL stays in db/outboxQueries.ts.
 */
export interface OutboxStore {
  /** The oldest unpublished live events not in `heldIds`, in id order; null `shards`: every shard. */
  claim(options: {
    heldIds: readonly string[];
    shards: readonly number[] | null;
    shardCount: number;
    limit: number;
  }): Promise<OutboxRow[]>;
  markPublished(marks: readonly PublishedMark[]): Promise<void>;
  /** PubNub refused the event for good: park it with the reason. */
  deadLetter(id: string, error: string, attempts: number): Promise<void>;
  /** A round of failed attempts, recorded for operators. */
  recordFailures(id: string, error: string, attempts: number): Promise<void>;
  /** Wakefulness (relayWakefulness.ts): claims by itself again. */
  relayAwake(relayId: string): Promise<void>;
  /** Sleeps: writers NOTIFY from now on; rejects with lock_timeout when a writer held the barrier. */
  relayAsleep(relayId: string, barrierWaitMs: number, forgetAfterMs: number): Promise<void>;
  relayGone(relayId: string): Promise<void>;
}

/** The relay's outbox in PostgreSQL: the named queries of outboxQueries.ts on a pool. */
export function postgresOutboxStore(pool: Pool): OutboxStore {
  return {
    claim: (options) => claimEvents(pool, options),
    markPublished: (marks) => markPublished(pool, marks),
    deadLetter: (id, error, attempts) => deadLetter(pool, id, error, attempts),
    recordFailures: (id, error, attempts) => recordFailures(pool, id, error, attempts),
    relayAwake: (relayId) => relayAwake(pool, relayId),
    relayAsleep: (relayId, barrierWaitMs, forgetAfterMs) =>
      relayAsleep(pool, relayId, barrierWaitMs, forgetAfterMs),
    relayGone: (relayId) => relayGone(pool, relayId),
  };
}
