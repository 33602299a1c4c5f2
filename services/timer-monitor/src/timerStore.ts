import type { Pool } from '@sketchyaf/core';
import {
  advanceBatch,
  countOverdue,
  currentDeadlines,
  databaseNow,
  gamesTableBlocks,
  loadDeadlines,
  sweepOverdue,
  type AdvancedRow,
  type CurrentRow,
  type GameDeadlineRow,
  type SweepResult,
} from './gameQueries.ts';

export type { AdvancedRow, CurrentRow, GameDeadlineRow, SweepResult };

/**
 * What the timer monitor asks of its storage. The engine's decisions
 * (batching, in-flight limit, back-off, quarantine, pause) are made against
 * this port, so they can be tested against an in-memory store with a manual
 * clock; the PostgreSQL implementation below is the one that runs, and its
 * SQL stays in gameQueries.ts. Null `shards` means every shard.
 */
export interface TimerStore {
  /** Heap blocks of the games table now; a reload reads them in ranges. */
  tableBlocks(): Promise<number>;
  /** Running games' deadlines in blocks [from, to) (`to` null: to the end). */
  loadDeadlines(
    shards: readonly number[] | null,
    shardCount: number,
    blocks: { from: number; to: number | null },
  ): Promise<GameDeadlineRow[]>;
  /** Games past their deadline by more than `graceMs` (the safety net under NOTIFY). */
  sweepOverdue(
    shards: readonly number[] | null,
    shardCount: number,
    options: { graceMs: number; overdueMs: number; limit: number },
  ): Promise<SweepResult>;
  /** How many games are overdue by more than `overdueMs`, up to `limit`. */
  countOverdue(
    shards: readonly number[] | null,
    shardCount: number,
    options: { overdueMs: number; limit: number },
  ): Promise<number>;
  /**
   * Advances the games of a batch whose version matches and whose deadline
   * has passed in store time, in one statement; returns those that advanced.
   * Rejects (with a classifiable database error) when the statement fails.
   */
  advanceBatch(
    batch: readonly { gameId: string; version: number }[],
    requestId: string,
  ): Promise<AdvancedRow[]>;
  /** Current state of games that did not advance, with the store's clock. */
  currentDeadlines(gameIds: readonly string[]): Promise<CurrentRow[]>;
  /** The store's clock, epoch milliseconds. */
  now(): Promise<number>;
}

/** The timer monitor's store in PostgreSQL: the named queries of gameQueries.ts on a pool. */
export function postgresTimerStore(pool: Pool): TimerStore {
  return {
    tableBlocks: () => gamesTableBlocks(pool),
    loadDeadlines: (shards, shardCount, blocks) => loadDeadlines(pool, shards, shardCount, blocks),
    sweepOverdue: (shards, shardCount, options) => sweepOverdue(pool, shards, shardCount, options),
    countOverdue: (shards, shardCount, options) => countOverdue(pool, shards, shardCount, options),
    advanceBatch: (batch, requestId) => advanceBatch(pool, batch, requestId),
    currentDeadlines: (gameIds) => currentDeadlines(pool, gameIds),
    now: () => databaseNow(pool),
  };
}
