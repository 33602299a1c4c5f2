import {
  PeriodicTask,
  errorFields,
  sleep,
  systemClock,
  type Clock,
  type Logger,
  type Pool,
} from '@sketchyaf/core';
import { outboxStats, pruneIngestKeys, pruneOutbox, pruneTransitions } from '../db/outboxQueries.ts';
import type { BroadcasterMetrics } from '../metrics.ts';

export interface HousekeepingSettings {
  statsIntervalMs: number;
  retentionMs: number;
  pruneIntervalMs: number;
  pruneBatch: number;
  shardCount: number;
  /** Idempotency keys older than this are deleted with the same batches and pauses. */
  idempotencyRetentionMs: number;
  /** game_transitions rows older than this are deleted with the same batches and pauses. */
  transitionsRetentionMs: number;
}

/** Between two DELETE batches: other writers get the rows' pages in between. */
const pauseBetweenBatchesMs = 50;

/**
 * The slow loops beside the relay: backlog and dead-letter gauges, and
 * pruning of published rows past the retention period, in small batches with
 * pauses, so the hot path never waits on a big DELETE.
 */
export class OutboxHousekeeping {
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #metrics: BroadcasterMetrics;
  readonly #settings: HousekeepingSettings;
  readonly #clock: Clock;
  readonly #loops: { task: PeriodicTask; firstDelayMs: number }[];
  #owned: readonly number[] | null = null;
  #running = false;

  constructor(
    pool: Pool,
    logger: Logger,
    metrics: BroadcasterMetrics,
    settings: HousekeepingSettings,
    clock: Clock = systemClock,
  ) {
    this.#pool = pool;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#settings = settings;
    this.#clock = clock;
    const onError = (err: unknown): void => {
      this.#logger.warn('outbox housekeeping failed', errorFields(err));
    };
    this.#loops = [
      {
        task: new PeriodicTask({
          clock,
          intervalMs: settings.statsIntervalMs,
          run: () => this.refreshStats(),
          onError,
        }),
        firstDelayMs: 0,
      },
      {
        task: new PeriodicTask({
          clock,
          intervalMs: settings.pruneIntervalMs,
          run: async () => {
            await this.prune();
          },
          onError,
        }),
        firstDelayMs: settings.pruneIntervalMs,
      },
    ];
  }

  start(ownedShards: ReadonlySet<number> | null): void {
    this.#running = true;
    this.setOwnedShards(ownedShards);
    for (const loop of this.#loops) loop.task.start(loop.firstDelayMs);
  }

  setOwnedShards(shards: ReadonlySet<number> | null): void {
    this.#owned = shards === null ? null : [...shards];
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops.map((loop) => loop.task.stop()));
  }

  async refreshStats(): Promise<void> {
    const stats = await outboxStats(this.#pool, this.#owned, this.#settings.shardCount);
    this.#metrics.outboxBacklog.set(stats.backlog);
    this.#metrics.outboxOldestAge.set(stats.oldest_age_seconds);
    this.#metrics.deadLetters.set(stats.dead_letters);
  }

  /** Deletes expired published rows, a batch at a time, pausing between batches; returns how many. */
  async prune(maxBatches = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches && (i === 0 || this.#running); i += 1) {
      const deleted = await pruneOutbox(this.#pool, this.#settings.retentionMs, this.#settings.pruneBatch);
      total += deleted;
      this.#metrics.outboxPruned.inc(deleted);
      if (deleted < this.#settings.pruneBatch) break;
      await sleep(pauseBetweenBatchesMs, this.#clock);
    }
    if (total > 0) this.#logger.info('pruned published outbox rows', { rows: total });
    await this.pruneKeys(maxBatches);
    await this.pruneTransitions(maxBatches);
    return total;
  }

  /** Deletes expired idempotency keys, a batch at a time; returns how many. */
  async pruneKeys(maxBatches = 100): Promise<number> {
    const { idempotencyRetentionMs, pruneBatch } = this.#settings;
    let total = 0;
    for (let i = 0; i < maxBatches && (i === 0 || this.#running); i += 1) {
      const deleted = await pruneIngestKeys(this.#pool, idempotencyRetentionMs, pruneBatch);
      total += deleted;
      if (deleted < pruneBatch) break;
      await sleep(pauseBetweenBatchesMs, this.#clock);
    }
    if (total > 0) this.#logger.info('pruned expired idempotency keys', { keys: total });
    return total;
  }

  /** Deletes game_transitions rows past their retention, a batch at a time; returns how many. */
  async pruneTransitions(maxBatches = 100): Promise<number> {
    const { transitionsRetentionMs, pruneBatch } = this.#settings;
    let total = 0;
    for (let i = 0; i < maxBatches && (i === 0 || this.#running); i += 1) {
      const deleted = await pruneTransitions(this.#pool, transitionsRetentionMs, pruneBatch);
      total += deleted;
      this.#metrics.transitionsPruned.inc(deleted);
      if (deleted < pruneBatch) break;
      await sleep(pauseBetweenBatchesMs, this.#clock);
    }
    if (total > 0) this.#logger.info('pruned expired game transitions', { rows: total });
    return total;
  }
}
