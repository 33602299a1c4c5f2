import { errorFields, type Logger, type Pool } from '@sketchyaf/core';
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
  #owned: readonly number[] | null = null;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #running = false;
  #work = new Set<Promise<void>>();

  constructor(pool: Pool, logger: Logger, metrics: BroadcasterMetrics, settings: HousekeepingSettings) {
    this.#pool = pool;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#settings = settings;
  }

  start(ownedShards: ReadonlySet<number> | null): void {
    this.#running = true;
    this.setOwnedShards(ownedShards);
    this.#loop(() => this.refreshStats(), this.#settings.statsIntervalMs, 0);
    this.#loop(() => this.prune(), this.#settings.pruneIntervalMs, this.#settings.pruneIntervalMs);
  }

  setOwnedShards(shards: ReadonlySet<number> | null): void {
    this.#owned = shards === null ? null : [...shards];
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    await Promise.allSettled([...this.#work]);
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
      await new Promise((resolve) => setTimeout(resolve, 50));
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
      await new Promise((resolve) => setTimeout(resolve, 50));
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
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (total > 0) this.#logger.info('pruned expired game transitions', { rows: total });
    return total;
  }

  #loop(task: () => Promise<unknown>, intervalMs: number, firstDelayMs: number): void {
    const schedule = (delay: number): void => {
      if (!this.#running) return;
      const timer = setTimeout(() => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        const work = task()
          .then(() => undefined)
          .catch((err: unknown) => {
            this.#logger.warn('outbox housekeeping failed', {
              ...errorFields(err),
            });
          })
          .finally(() => {
            this.#work.delete(work);
            schedule(intervalMs);
          });
        this.#work.add(work);
      }, delay);
      timer.unref();
      this.#timers.push(timer);
    };
    schedule(firstDelayMs);
  }
}
