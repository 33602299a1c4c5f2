import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  classifyDatabaseError,
  errorFields,
  LogThrottle,
  PeriodicTask,
  WakeTimer,
  shardOf,
  type Clock,
  type DatabaseErrorClass,
  type Logger,
  type SchemaMissingWatch,
} from '@sketchyaf/core';
import { bisect, planBatchFailure } from './batchFailurePlan.ts';
import type { DatabaseClock } from './databaseClock.ts';
import { DeadlineQueue, type Deadline } from './deadlineQueue.ts';
import type { DeadlineNotification } from './deadlineNotification.ts';
import type { AdvancedRow, GameDeadlineRow, TimerStore } from './timerStore.ts';
import { GameHolds } from './gameHolds.ts';
import { replicaBackoffMs, type RetryPolicy } from './gameRetryPolicy.ts';
import type { TimerMetrics } from './metrics.ts';
import { timedPredecessor } from './timedPredecessor.ts';
import { mayLaunch, nextWakeAt, type WakeState } from './wakePlan.ts';

/** Table blocks (8 KiB) per read of a reload: about 10,000 games, bounding the row objects held at once. */
const reloadBlocks = 512;

export interface TimerMonitorSettings {
  shardCount: number;
  batchSize: number;
  maxInFlight: number;
  sweepIntervalMs: number;
  /** Fire this long after a deadline, so that the database agrees it has passed. */
  fireMarginMs: number;
  /** Retries of a quarantined game: first delay, doubling up to the longest. Default 30 s to 10 min. */
  quarantineRetry?: RetryPolicy;
}

export interface TransitionEvent {
  gameId: string;
  from: string;
  to: string;
  round: number;
  /** The deadline this transition served, database-clock epoch milliseconds. */
  deadlineAt: number;
  lagMs: number;
  /** Of lagMs, the part before the statement went out (the rest is the statement and its answer). */
  sendLagMs: number;
}

export interface TimerMonitorDeps {
  /** Where the games are: PostgreSQL in service (postgresTimerStore), in memory in unit tests. */
  store: TimerStore;
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
  /** Told when a missing schema keeps failing the loop's statements: the service cannot work (SchemaMissingWatch). */
  schemaMissing?: SchemaMissingWatch;
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
  /** Games retried at their own pace: row locked by someone else, or quarantined. */
  readonly #holds: GameHolds;
  readonly #malformedLog: LogThrottle;
  #owned: ReadonlySet<number> | null = null;
  /** Wakes the engine at the next deadline (or the end of a back-off), local monotonic ms. */
  readonly #timer: WakeTimer;
  readonly #sweeper: PeriodicTask;
  #running = false;
  #batches = new Set<Promise<void>>();
  /** Statements awaiting the database: the in-flight limit counts these, not batches still settling. */
  #statements = 0;
  /** Local monotonic ms. */
  #backoffUntil = 0;
  #failures = 0;
  /** Failed statements since the last commit, any batch (batchFailurePlan.ts). */
  #failedSinceCommit = 0;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  constructor(deps: TimerMonitorDeps) {
    super();
    this.#deps = deps;
    this.#malformedLog = new LogThrottle(deps.clock, 10_000);
    this.#holds = new GameHolds(deps.settings.quarantineRetry);
    // Timers fire late rather than early (by 0.5-1 ms here), so the delay is not rounded up; a wake
    // that comes early finds nothing due and re-arms for the rest.
    this.#timer = new WakeTimer(deps.clock, () => this.#wake(), { timeBase: 'monotonic' });
    this.#sweeper = new PeriodicTask({
      clock: deps.clock,
      intervalMs: deps.settings.sweepIntervalMs,
      run: () => this.#sweep(),
    });
  }

  get trackedGames(): number {
    return this.#queue.size;
  }

  /** Games whose transition fails on their own data, retried slowly. */
  get quarantinedGames(): number {
    return this.#holds.quarantined;
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
    if (this.#running) this.#sweeper.start();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer.disarm();
    await this.#sweeper.stop();
    await Promise.allSettled([...this.#batches]);
    await this.#reloading?.catch(() => undefined);
  }

  /** Replaces the set of owned shards (null: all); drops the others' games and loads the new ones. */
  async setOwnedShards(shards: ReadonlySet<number> | null): Promise<void> {
    this.#owned = shards;
    if (shards !== null) {
      const { shardCount } = this.#deps.settings;
      this.#queue.removeWhere((gameId) => !shards.has(shardOf(gameId, shardCount)));
      this.#holds.releaseWhere((gameId) => !shards.has(shardOf(gameId, shardCount)));
      this.#deps.metrics.quarantinedGames.set(this.#holds.quarantined);
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
        const { store, settings, metrics } = this.#deps;
        const owned = this.#ownedList();
        const blocks = await store.tableBlocks();
        // The last range is open-ended: it also covers blocks added since.
        for (let from = 0; ; from += reloadBlocks) {
          const last = from + reloadBlocks >= blocks;
          const to = last ? null : from + reloadBlocks;
          this.#applyRows(await store.loadDeadlines(owned, settings.shardCount, { from, to }));
          if (last) break;
        }
        metrics.reloads.inc();
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
    if (notification.kind === 'malformed') {
      const suppressed = this.#malformedLog.take();
      if (suppressed !== null)
        this.#deps.logger.warn('ignored a malformed deadline notification', {
          reason: notification.reason,
          suppressedSinceLast: suppressed,
        });
      return;
    }
    if (notification.kind === 'reload') {
      void this.reload().catch((err: unknown) => this.#warn('reload after bulk change failed', err));
      return;
    }
    for (const game of notification.games) {
      if (this.#owned !== null && !this.#owned.has(shardOf(game.gameId, settings.shardCount))) continue;
      this.#enqueue(game.gameId, game.version, game.at);
    }
    this.#wake();
  }

  /** Queues a game's deadline, or its hold's retry time while it is held at that version. */
  #enqueue(gameId: string, version: number, at: number | null, started?: number | null): void {
    const quarantined = this.#holds.quarantined;
    const fireAt = this.#holds.fireAt(gameId, version, at);
    // A newer version (the backend moved the game on, or cancelled it) ends a quarantine.
    if (this.#holds.quarantined !== quarantined)
      this.#deps.metrics.quarantinedGames.set(this.#holds.quarantined);
    this.#queue.upsert(gameId, version, fireAt, started);
  }

  #ownedList(): number[] | null {
    return this.#owned === null ? null : [...this.#owned];
  }

  #applyRows(rows: readonly GameDeadlineRow[]): void {
    for (const row of rows) {
      if (this.#inFlight.has(row.id)) continue;
      this.#enqueue(row.id, Number(row.version), row.at, row.started);
    }
    this.#deps.metrics.trackedGames.set(this.#queue.size);
  }

  async #sweep(): Promise<void> {
    const { store, settings, metrics, databaseClock } = this.#deps;
    try {
      if (this.#workingBacklog()) {
        // The full sweep would read up to 10,000 rows we are advancing already (about 150 ms
        // of CPU with 100,000 games due, on the cores the backlog needs). Games a lost NOTIFY
        // hid are found by the first full sweep after the backlog.
        const overdue = await store.countOverdue(this.#ownedList(), settings.shardCount, {
          overdueMs: 1000,
          limit: 10_000,
        });
        metrics.sweeps.inc({ kind: 'count' });
        metrics.overdueGames.set(this.#overdueNotQuarantined(overdue));
        return;
      }
      const result = await store.sweepOverdue(this.#ownedList(), settings.shardCount, {
        graceMs: 250,
        overdueMs: 1000,
        limit: 10_000,
      });
      metrics.sweeps.inc({ kind: 'full' });
      metrics.overdueGames.set(this.#overdueNotQuarantined(result.overdue));
      this.#applyRows(result.rows);
      await databaseClock.calibrate(1);
      this.#wake();
      this.#deps.schemaMissing?.succeeded();
    } catch (err) {
      this.#warn('safety sweep failed', err);
    }
  }

  /**
   * Quarantined games are overdue by definition and have their own gauge and
   * alert (TimerGamesQuarantined): one bad row must not page as if timers
   * were stuck.
   */
  #overdueNotQuarantined(overdue: number): number {
    return Math.max(0, overdue - this.#holds.quarantined);
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
      this.#timer.disarm();
      return;
    }
    const { clock, databaseClock, settings } = this.#deps;
    const localNow = clock.monotonic();
    const state = (): WakeState => {
      const next = this.#queue.nextDueAt();
      return {
        now: localNow,
        backoffUntil: this.#backoffUntil,
        nextDue:
          next === undefined
            ? Number.POSITIVE_INFINITY
            : databaseClock.toMonotonic(next) + settings.fireMarginMs,
        statements: this.#statements,
        maxInFlight: settings.maxInFlight,
      };
    };
    if (mayLaunch(state())) {
      while (this.#statements < settings.maxInFlight) {
        const due = this.#queue.takeDue(databaseClock.now() - settings.fireMarginMs, settings.batchSize);
        if (due.length === 0) break;
        // A quarantined game's retry goes alone, so that failing again costs no other game a split.
        const others: Deadline[] = [];
        for (const d of due) {
          if (this.#holds.get(d.gameId)?.reason === 'quarantined') this.#launch([d]);
          else others.push(d);
        }
        if (others.length > 0) this.#launch(others);
      }
    }
    // A busy batch slot re-wakes us on completion, so a timer is only needed for the next deadline.
    this.#timer.armAt(nextWakeAt(state()));
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
    const { metrics, databaseClock, logger, holdsShard, settings } = this.#deps;
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
    const sentAt = databaseClock.now();
    const rows = await this.#advanceIsolating(due, deadlines, requestId);
    const committedAt = databaseClock.now();
    onAnswer();
    // Counted per batch: one labelled increment per destination status, not per game.
    const arrivals = new Map<string, number>();
    for (const row of rows) {
      const deadline = deadlines.get(row.id);
      deadlines.delete(row.id);
      const hold = this.#holds.release(row.id);
      if (hold?.reason === 'quarantined') {
        metrics.quarantinedGames.set(this.#holds.quarantined);
        logger.info('quarantined game advanced again; released', {
          gameId: row.id,
          attempts: hold.attempts,
          requestId,
        });
      }
      const deadlineAt = hold?.deadlineAt ?? deadline?.at;
      const lagMs = deadlineAt !== undefined ? Math.max(0, committedAt - deadlineAt) : 0;
      const from = timedPredecessor(row.status);
      metrics.lag.observe(lagMs / 1000);
      arrivals.set(row.status, (arrivals.get(row.status) ?? 0) + 1);
      if (deadline?.startedAt !== undefined && row.started !== null)
        metrics.phaseDuration.observe({ phase: from }, Math.max(0, row.started - deadline.startedAt) / 1000);
      this.#enqueue(row.id, Number(row.version), row.at, row.started);
      this.emit('transition', {
        gameId: row.id,
        from,
        to: row.status,
        round: row.round,
        deadlineAt: deadlineAt ?? Number.NaN,
        lagMs,
        sendLagMs: deadlineAt !== undefined ? Math.max(0, sentAt - deadlineAt) : 0,
      });
    }
    for (const [to, count] of arrivals) metrics.transitions.inc({ from: timedPredecessor(to), to }, count);
    if (deadlines.size > 0) {
      try {
        await this.#settleMisses(deadlines);
      } catch (err) {
        // Retried from memory; the sweep corrects anything this leaves stale.
        for (const d of deadlines.values()) this.#enqueue(d.gameId, d.version, d.at, d.startedAt);
        this.#warn('re-reading games that did not advance failed', err, { games: deadlines.size, requestId });
      }
    }
    logger.debug('transition batch committed', { requestId, games: due.length, advanced: rows.length });
  }

  /**
   * Runs the batch's statement; when it fails because of some game's row,
   * splits the batch in halves until the culprit is alone and quarantined, so
   * that the others commit now. When it fails because of the database (or
   * every part fails alike: a broken trigger), puts back what was not
   * committed and backs off. Returns the committed rows; games put back or
   * quarantined are removed from `pending`, so that only real misses are
   * re-read. Bounded: each split shrinks, so at most 2n - 1 statements, and
   * 15 when every part fails alike.
   */
  async #advanceIsolating(
    due: Deadline[],
    pending: Map<string, Deadline>,
    requestId: string,
  ): Promise<AdvancedRow[]> {
    const { store, metrics, clock } = this.#deps;
    const committed: AdvancedRow[] = [];
    const parts: Deadline[][] = [due];
    const progress = { failed: 0, committed: 0 };
    const isolated: { game: Deadline; err: unknown; failure: DatabaseErrorClass }[] = [];
    // Breadth first (a queue): a level's parts without a culprit commit before the next level.
    for (let part = parts.shift(); part; part = parts.shift()) {
      const started = clock.monotonic();
      try {
        const rows = await store.advanceBatch(part, requestId);
        metrics.statementDuration.observe((clock.monotonic() - started) / 1000);
        committed.push(...rows);
        progress.committed += 1;
        this.#failures = 0;
        this.#failedSinceCommit = 0;
        this.#deps.schemaMissing?.succeeded();
        continue;
      } catch (err) {
        metrics.statementDuration.observe((clock.monotonic() - started) / 1000);
        metrics.batchFailures.inc();
        progress.failed += 1;
        this.#failedSinceCommit += 1;
        const failure = classifyDatabaseError(err);
        const action = planBatchFailure(failure.kind, part.length, {
          ...progress,
          failedSinceCommit: this.#failedSinceCommit,
        });
        if (action === 'bisect') {
          metrics.batchSplits.inc();
          parts.push(...bisect(part));
          continue;
        }
        if (action === 'quarantine') {
          const [game] = part;
          if (game) {
            pending.delete(game.gameId);
            isolated.push({ game, err, failure });
          }
          continue;
        }
        // The database's fault, not a game's: what is left goes back, the replica waits (no wait
        // for a deadlock). Games isolated on the way failed like every other part: not culprits.
        const rest = [part, ...parts, ...isolated.map((i) => i.game)].flat();
        isolated.length = 0;
        // After the wait the games get a fresh chance: a culprit among them is split out again.
        this.#failedSinceCommit = 0;
        this.#failures = action === 'retry' ? this.#failures : this.#failures + 1;
        const backoff = action === 'retry' ? 0 : replicaBackoffMs(this.#failures);
        this.#backoffUntil = clock.monotonic() + backoff;
        for (const d of rest) {
          pending.delete(d.gameId);
          this.#enqueue(d.gameId, d.version, d.at, d.startedAt);
        }
        this.#warn(
          progress.failed > 1 && action === 'backoff'
            ? 'every part of a transition batch fails alike; treated as a database fault, retrying'
            : 'transition batch failed; retrying',
          err,
          { games: rest.length, kind: failure.kind, code: failure.code, retryInMs: backoff, requestId },
        );
        break;
      }
    }
    for (const { game, err, failure } of isolated) this.#quarantine(game, err, failure, requestId);
    return committed;
  }

  /** One game's transition fails on its own: park it, say which and why, retry it slowly. */
  #quarantine(game: Deadline, err: unknown, failure: DatabaseErrorClass, requestId: string): void {
    const { metrics, databaseClock, logger } = this.#deps;
    const hold = this.#holds.record(game.gameId, 'quarantined', game.version, game.at, databaseClock.now());
    metrics.quarantines.inc({ kind: failure.kind });
    metrics.quarantinedGames.set(this.#holds.quarantined);
    this.#enqueue(game.gameId, game.version, game.at, game.startedAt);
    // One line per failed try, at most one per 30 s per game (the retry policy's floor).
    logger.error('game quarantined: its transition fails on its own row', {
      gameId: game.gameId,
      version: game.version,
      attempts: hold.attempts,
      retryInMs: Math.round(hold.retryAt - databaseClock.now()),
      kind: failure.kind,
      sqlState: failure.code,
      ...errorFields(err),
      requestId,
    });
  }

  /** Games of a batch that did not advance: re-read them and put them back with what the database says. */
  async #settleMisses(missed: ReadonlyMap<string, Deadline>): Promise<void> {
    const { store, metrics, databaseClock } = this.#deps;
    const rows = await store.currentDeadlines([...missed.keys()]);
    // A game gone from the table takes its hold with it.
    const found = new Set(rows.map((r) => r.id));
    for (const gameId of missed.keys()) if (!found.has(gameId)) this.#holds.release(gameId);
    let notDue = 0;
    for (const row of rows) {
      const version = Number(row.version);
      const sent = missed.get(row.id);
      const stale = !sent || sent.version !== version;
      const due = row.at !== null && row.at <= row.db_now;
      if (!stale && !due) notDue += 1;
      if (sent && !stale && due) {
        // Unchanged and due, yet not advanced: the statement skipped it because another
        // transaction holds its row. Back soon, but not at once: it is still locked.
        this.#holds.record(row.id, 'locked', version, row.at ?? sent.at, row.db_now);
        metrics.casMisses.inc({ reason: 'locked' });
      } else {
        metrics.casMisses.inc({ reason: stale ? 'stale' : 'not_due' });
      }
      this.#enqueue(row.id, version, row.at, row.started);
    }
    metrics.quarantinedGames.set(this.#holds.quarantined);
    // The database disagreed that a deadline had passed: our clock offset drifted.
    if (notDue > 0) await databaseClock.calibrate(3);
  }

  #warn(message: string, err: unknown, fields: Record<string, unknown> = {}): void {
    this.#deps.logger.warn(message, { ...fields, ...errorFields(err) });
    this.#deps.schemaMissing?.failed(`timer monitor: ${message}`, err);
  }
}
