import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { shardOf, type Clock, type Logger, type Pool, type TimerHandle } from '@sketchyaf/core';
import type { DatabaseClock } from './databaseClock.ts';
import { DeadlineQueue, type Deadline } from './deadlineQueue.ts';
import type { DeadlineNotification } from './deadlineNotification.ts';
import {
  advanceBatch,
  countOverdue,
  currentDeadlines,
  loadDeadlines,
  sweepOverdue,
  type GameDeadlineRow,
} from './gameQueries.ts';
import type { TimerMetrics } from './metrics.ts';
import { timedPredecessor } from './timedPredecessor.ts';

export interface TimerMonitorSettings {
  shardCount: number;
  batchSize: number;
  maxInFlight: number;
  sweepIntervalMs: number;
  /** Fire this long after a deadline, so that the database agrees it has passed. */
  fireMarginMs: number;
}

export interface TransitionEvent {
  gameId: string;
  from: string;
  to: string;
  round: number;
  /** The deadline this transition served, database-clock epoch milliseconds. */
  deadlineAt: number;
  lagMs: number;
}

export interface TimerMonitorDeps {
  pool: Pool;
  /**
   * Whether this replica's lease on a shard is still valid; checked just
   * before each batch, so a replica that lost a lease (or was paused past it)
   * stops working on that shard before its next side effect. Absent: every
   * shard is ours.
   */
  holdsShard?: (shard: number) => boolean;
  clock: Clock;
  databaseClock: DatabaseClock;
  logger: Logger;
  metrics: TimerMetrics;
  settings: TimerMonitorSettings;
  /** Runtime control: while paused, no batch starts (the sweep still counts overdue games). */
  gate?: { readonly paused: boolean };
}

/**
 * Sleeps until the earliest deadline of the games it owns, then advances
 * every due game in batched compare-and-set statements. No polling cadence:
 * NOTIFY brings new deadlines, a slow sweep is only a safety net.
 *
 * Emits 'transition' (TransitionEvent) for each committed transition.
 */
export class TimerMonitor extends EventEmitter<{ transition: [TransitionEvent] }> {
  readonly #deps: TimerMonitorDeps;
  readonly #queue = new DeadlineQueue();
  readonly #inFlight = new Set<string>();
  #owned: ReadonlySet<number> | null = null;
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #sweepTimer: TimerHandle | undefined;
  #running = false;
  #batches = new Set<Promise<void>>();
  /** Statements awaiting the database: the in-flight limit counts these, not batches still settling. */
  #statements = 0;
  #backoffUntil = 0;
  #failures = 0;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  constructor(deps: TimerMonitorDeps) {
    super();
    this.#deps = deps;
  }

  get trackedGames(): number {
    return this.#queue.size;
  }

  /** Transition batches not finished: awaiting the database, or processing its answer. */
  get batchesInFlight(): number {
    return this.#batches.size;
  }

  /** Transition statements awaiting the database (at most TIMER_MAX_IN_FLIGHT). */
  get statementsInFlight(): number {
    return this.#statements;
  }

  /** The database answers again (the listener reconnected): due batches go now, not at the end of the back-off. */
  databaseBack(): void {
    this.#backoffUntil = 0;
    this.#wake();
  }

  /** The gate changed (runtime control): resumes firing, or lets the pause take hold. */
  controlChanged(): void {
    this.#wake();
  }

  /** Loads owned deadlines (catching up on anything overdue) and starts the clockwork. */
  async start(ownedShards: ReadonlySet<number> | null): Promise<void> {
    this.#owned = ownedShards;
    this.#running = true;
    await this.reload();
    this.#scheduleSweep();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#disarm();
    if (this.#sweepTimer) this.#deps.clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    await Promise.allSettled([...this.#batches]);
    await this.#reloading?.catch(() => undefined);
  }

  /** Replaces the set of owned shards (null: all); drops the others' games and loads the new ones. */
  async setOwnedShards(shards: ReadonlySet<number> | null): Promise<void> {
    this.#owned = shards;
    if (shards !== null) {
      const { shardCount } = this.#deps.settings;
      this.#queue.removeWhere((gameId) => !shards.has(shardOf(gameId, shardCount)));
    }
    await this.reload();
  }

  /** Re-reads every owned deadline; concurrent calls coalesce into at most one more. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        const { pool, settings, metrics } = this.#deps;
        const rows = await loadDeadlines(pool, this.#ownedList(), settings.shardCount);
        metrics.reloads.inc();
        this.#applyRows(rows);
      } while (this.#reloadAgain && this.#running);
    })().finally(() => {
      this.#reloading = undefined;
      this.#wake();
    });
    return this.#reloading;
  }

  handleNotification(notification: DeadlineNotification): void {
    const { metrics, settings } = this.#deps;
    metrics.notifications.inc({ kind: notification.kind });
    if (notification.kind === 'reload') {
      void this.reload().catch((err: unknown) => this.#warn('reload after bulk change failed', err));
      return;
    }
    for (const game of notification.games) {
      if (this.#owned !== null && !this.#owned.has(shardOf(game.gameId, settings.shardCount))) continue;
      this.#queue.upsert(game.gameId, game.version, game.at);
    }
    this.#wake();
  }

  #ownedList(): number[] | null {
    return this.#owned === null ? null : [...this.#owned];
  }

  #applyRows(rows: readonly GameDeadlineRow[]): void {
    for (const row of rows) {
      if (this.#inFlight.has(row.id)) continue;
      this.#queue.upsert(row.id, Number(row.version), row.at, row.started);
    }
    this.#deps.metrics.trackedGames.set(this.#queue.size);
  }

  #scheduleSweep(): void {
    if (!this.#running) return;
    this.#sweepTimer = this.#deps.clock.setTimeout(() => {
      void this.#sweep().finally(() => this.#scheduleSweep());
    }, this.#deps.settings.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }

  async #sweep(): Promise<void> {
    const { pool, settings, metrics, databaseClock } = this.#deps;
    try {
      if (this.#workingBacklog()) {
        // The full sweep would read up to 10,000 rows we are advancing already (about 150 ms
        // of CPU with 100,000 games due, on the cores the backlog needs). Games a lost NOTIFY
        // hid are found by the first full sweep after the backlog.
        const overdue = await countOverdue(pool, this.#ownedList(), settings.shardCount, {
          overdueMs: 1000,
          limit: 10_000,
        });
        metrics.sweeps.inc({ kind: 'count' });
        metrics.overdueGames.set(overdue);
        return;
      }
      const result = await sweepOverdue(pool, this.#ownedList(), settings.shardCount, {
        graceMs: 250,
        overdueMs: 1000,
        limit: 10_000,
      });
      metrics.sweeps.inc({ kind: 'full' });
      metrics.overdueGames.set(result.overdue);
      this.#applyRows(result.rows);
      await databaseClock.calibrate(1);
      this.#wake();
    } catch (err) {
      this.#warn('safety sweep failed', err);
    }
  }

  /** Statements are out and more due games wait for a slot. */
  #workingBacklog(): boolean {
    if (this.#statements === 0) return false;
    const next = this.#queue.nextDueAt();
    return next !== undefined && next <= this.#deps.databaseClock.now();
  }

  /** Starts due batches within the in-flight limit, then sleeps until the next deadline. */
  #wake(): void {
    if (!this.#running) return;
    if (this.#deps.gate?.paused === true) {
      // Paused: games stay where they are; controlChanged() wakes us on resume.
      this.#disarm();
      return;
    }
    const { clock, databaseClock, settings } = this.#deps;
    const localNow = clock.now();
    if (localNow >= this.#backoffUntil) {
      while (this.#statements < settings.maxInFlight) {
        const due = this.#queue.takeDue(databaseClock.now() - settings.fireMarginMs, settings.batchSize);
        if (due.length === 0) break;
        this.#launch(due);
      }
    }
    const next = this.#queue.nextDueAt();
    let wakeAt =
      next === undefined ? Number.POSITIVE_INFINITY : databaseClock.toLocal(next) + settings.fireMarginMs;
    if (this.#backoffUntil > localNow) wakeAt = Math.max(wakeAt, this.#backoffUntil);
    this.#arm(wakeAt);
  }

  #arm(localAt: number): void {
    if (localAt === this.#timerAt && this.#timer) return;
    this.#disarm();
    if (!Number.isFinite(localAt)) return;
    const { clock } = this.#deps;
    this.#timerAt = localAt;
    // A busy batch slot re-wakes us on completion, so a timer is only needed for the next deadline.
    this.#timer = clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#wake();
      },
      Math.max(0, Math.ceil(localAt - clock.now())),
    );
  }

  #disarm(): void {
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #launch(due: Deadline[]): void {
    for (const d of due) this.#inFlight.add(d.gameId);
    this.#statements += 1;
    let answered = false;
    // The next statement goes out as soon as this one's answer is in, not after its
    // rows are processed: the database works while we do.
    const onAnswer = (): void => {
      if (answered) return;
      answered = true;
      this.#statements -= 1;
      this.#wake();
    };
    const batch = this.#runBatch(due, onAnswer).finally(() => {
      onAnswer();
      for (const d of due) this.#inFlight.delete(d.gameId);
      this.#batches.delete(batch);
      this.#deps.metrics.trackedGames.set(this.#queue.size);
      // Again: the batch's next deadlines are queued now and may be the soonest.
      this.#wake();
    });
    this.#batches.add(batch);
  }

  async #runBatch(dueAll: Deadline[], onAnswer: () => void): Promise<void> {
    const { pool, metrics, clock, databaseClock, logger, holdsShard, settings } = this.#deps;
    // Lease lost since the game was queued: the new owner loads it from the database.
    const due = holdsShard
      ? dueAll.filter((d) => holdsShard(shardOf(d.gameId, settings.shardCount)))
      : dueAll;
    if (due.length < dueAll.length)
      metrics.casMisses.inc({ reason: 'lease_lost' }, dueAll.length - due.length);
    if (due.length === 0) return;
    const requestId = `tm-${randomUUID()}`;
    const deadlines = new Map(due.map((d) => [d.gameId, d]));
    metrics.batchSize.observe(due.length);
    const started = clock.monotonic();
    let rows;
    try {
      rows = await advanceBatch(pool, due, requestId);
    } catch (err) {
      metrics.statementDuration.observe((clock.monotonic() - started) / 1000);
      metrics.batchFailures.inc();
      // A deadlock with a concurrent bulk update is worth an immediate retry; anything else backs off.
      const transient = isLockConflict(err);
      this.#failures = transient ? this.#failures : this.#failures + 1;
      const backoff = transient ? 0 : Math.min(100 * 2 ** Math.min(this.#failures, 6), 5000);
      this.#backoffUntil = clock.now() + backoff;
      for (const d of due) this.#queue.upsert(d.gameId, d.version, d.at, d.startedAt);
      onAnswer();
      this.#warn('transition batch failed; retrying', err, {
        games: due.length,
        retryInMs: backoff,
        requestId,
      });
      return;
    }
    this.#failures = 0;
    const committedAt = databaseClock.now();
    metrics.statementDuration.observe((clock.monotonic() - started) / 1000);
    onAnswer();
    // Counted per batch: one labelled increment per destination status, not per game.
    const arrivals = new Map<string, number>();
    for (const row of rows) {
      const deadline = deadlines.get(row.id);
      deadlines.delete(row.id);
      const lagMs = deadline ? Math.max(0, committedAt - deadline.at) : 0;
      const from = timedPredecessor(row.status);
      metrics.lag.observe(lagMs / 1000);
      arrivals.set(row.status, (arrivals.get(row.status) ?? 0) + 1);
      if (deadline?.startedAt !== undefined && row.started !== null)
        metrics.phaseDuration.observe({ phase: from }, Math.max(0, row.started - deadline.startedAt) / 1000);
      this.#queue.upsert(row.id, Number(row.version), row.at, row.started);
      this.emit('transition', {
        gameId: row.id,
        from,
        to: row.status,
        round: row.round,
        deadlineAt: deadline?.at ?? Number.NaN,
        lagMs,
      });
    }
    for (const [to, count] of arrivals) metrics.transitions.inc({ from: timedPredecessor(to), to }, count);
    if (deadlines.size > 0) {
      try {
        await this.#settleMisses(deadlines);
      } catch (err) {
        // Retried from memory; the sweep corrects anything this leaves stale.
        for (const d of deadlines.values()) this.#queue.upsert(d.gameId, d.version, d.at, d.startedAt);
        this.#warn('re-reading games that did not advance failed', err, { games: deadlines.size, requestId });
      }
    }
    logger.debug('transition batch committed', { requestId, games: due.length, advanced: rows.length });
  }

  /** Games of a batch that did not advance: re-read them and put them back with what the database says. */
  async #settleMisses(missed: ReadonlyMap<string, Deadline>): Promise<void> {
    const { pool, metrics, databaseClock } = this.#deps;
    const rows = await currentDeadlines(pool, [...missed.keys()]);
    let notDue = 0;
    for (const row of rows) {
      const version = Number(row.version);
      const sent = missed.get(row.id);
      const stale = !sent || sent.version !== version;
      if (!stale && row.at !== null && row.at > row.db_now) notDue += 1;
      metrics.casMisses.inc({ reason: stale ? 'stale' : 'not_due' });
      this.#queue.upsert(row.id, version, row.at, row.started);
    }
    // The database disagreed that a deadline had passed: our clock offset drifted.
    if (notDue > 0) await databaseClock.calibrate(3);
  }

  #warn(message: string, err: unknown, fields: Record<string, unknown> = {}): void {
    this.#deps.logger.warn(message, { ...fields, err: err instanceof Error ? err.message : String(err) });
  }
}

function isLockConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
