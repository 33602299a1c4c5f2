import {
  errorFields,
  AppError,
  classifyDatabaseError,
  databaseUnavailableError,
  describeDatabaseError,
  backoffDelay,
  backoffPresets,
  sleep,
  systemClock,
  type Clock,
  type DatabaseUnavailableDetails,
  type Logger,
  type Pool,
} from '@sketchyaf/core';
import { GroupCommitter, type Settled } from '../db/groupCommit.ts';
import { insertEvents, storedIngestAnswers, type InsertedRow } from '../db/outboxQueries.ts';
import { IngestRejection } from '../errors.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import { admission, overloadRetryAfterSeconds, type AdmissionLimits, type QueueLimit } from './admission.ts';
import { busyRetryAfterSeconds, nextBusyRetryMs } from './busyRetry.ts';
import { claimKey, hasKeys, insertKeyed, keyedAnswer, type Submission } from './keyedInsert.ts';
import type { IdempotencyClaim } from './idempotencyKey.ts';
import type { PreparedEvent } from './prepareEvent.ts';

export interface WrittenEvent {
  outboxId: string;
  eventId: string;
  sequence: number | null;
  /** A batch item answered from its own idempotency key: the requestId of the request that wrote it. */
  replayOf?: string;
}

/** The outcome of a write: its events, and whether it is a retry answered from an earlier write. */
export interface WriteResult {
  written: WrittenEvent[];
  /** The requestId of the request that wrote the events, when this one only replayed its answer. */
  replayOf: string | null;
}

export interface OutboxWriterOptions {
  pool: Pool;
  logger: Logger;
  metrics: BroadcasterMetrics;
  maxWaitMs: number;
  maxEvents: number;
  maxInFlight: number;
  /** How long a request naming a locked game is sent again before 503 game_busy (INGEST_BUSY_WAIT_MS). */
  busyWaitMs?: number;
  /** A request not yet sent after this long is answered 503 (not written), see GroupCommitOptions.maxQueueMs. */
  queueTimeoutMs?: number;
  /** The write queue's bound (INGEST_QUEUE_MAX_EVENTS, _MAX_REQUESTS, _MAX_WAIT_MS); none without it. */
  queueLimits?: AdmissionLimits;
  /** The event loop's lag (see loopLag.ts); 0 without it. */
  loopLagMs?: () => number;
  clock?: Clock;
}

/** A game the request names is locked by another transaction: nothing of the request was written. */
export class GameBusyError extends Error {
  readonly gameIds: readonly string[];

  constructor(gameIds: readonly string[]) {
    super(`game row locked by another transaction: ${gameIds.join(', ')}`);
    this.name = 'GameBusyError';
    this.gameIds = gameIds;
  }
}

/**
 * A key already taken, whose answer was not found after the statement (the
 * key was pruned or given up meanwhile): the request goes again, like a busy one.
 */
export class KeyUnsettledError extends Error {
  constructor(key: string) {
    super(`idempotency key taken but its answer is not stored: ${key}`);
    this.name = 'KeyUnsettledError';
  }
}

/**
 * A write failure the caller can cure by retrying later (503 + Retry-After,
 * reason `database_<kind>`); undefined when the failure is not the database's
 * (a bug, bad data): that one is isolated or answered 500.
 */
export function unavailableRejection(err: unknown): IngestRejection | undefined {
  const unavailable = databaseUnavailableError(err);
  if (!unavailable) return undefined;
  return new IngestRejection(
    'unavailable',
    `database_${classifyDatabaseError(err).kind}`,
    'The event store is unavailable; retry later',
    unavailable.details,
    { cause: err },
  );
}

/** The answer to a request that waited its whole queue time without being sent: the database is too slow or gone. */
function queueTimeoutRejection(): IngestRejection {
  const details: DatabaseUnavailableDetails = {
    cause: 'timeout',
    retryAfterSeconds: 2,
    outcome: 'not_written',
  };
  return new IngestRejection(
    'unavailable',
    'database_timeout',
    'The event store is not answering in time; retry later',
    details,
  );
}

/**
 * Durable writes of accepted events, with group commit: requests arriving
 * within a millisecond or so share one statement. Each caller gets its own
 * outcome: its events written (with sequences), or not_found for an unknown
 * game, or unavailable when the database is.
 */
export class OutboxWriter {
  readonly #options: OutboxWriterOptions;
  readonly #committer: GroupCommitter<Submission, WriteResult>;
  /** Events admitted by writeOnce and not yet answered. */
  #queuedEvents = 0;
  #queuedRequests = 0;
  /**
   * One answer per bound, built once: a refusal must cost far less than an
   * acceptance, and capturing an Error's stack under Express's deep call
   * stack cost about 30 µs of the ~200 µs a refusal took (CPU profile).
   * Nothing mutates or logs them.
   */
  readonly #refusals = new Map<QueueLimit, IngestRejection>();

  constructor(options: OutboxWriterOptions) {
    this.#options = options;
    const limits = options.queueLimits;
    if (limits) {
      const bounds: Record<QueueLimit, Record<string, number>> = {
        loop_lag: { maxLoopLagMs: limits.maxLoopLagMs },
        wait: { maxWaitMs: limits.maxWaitMs },
        events: { maxQueuedEvents: limits.maxEvents },
        requests: { maxQueuedRequests: limits.maxRequests },
      };
      for (const [limit, bound] of Object.entries(bounds) as [QueueLimit, Record<string, number>][])
        this.#refusals.set(
          limit,
          new IngestRejection(
            'overloaded',
            'overloaded',
            'The ingest API has more writes queued than it can answer in time; retry later',
            { retryAfterSeconds: overloadRetryAfterSeconds, outcome: 'not_written', limit, ...bound },
          ),
        );
    }
    this.#committer = new GroupCommitter({
      maxWeight: options.maxEvents,
      maxWaitMs: options.maxWaitMs,
      maxInFlight: options.maxInFlight,
      ...(options.queueTimeoutMs === undefined
        ? {}
        : { maxQueueMs: options.queueTimeoutMs, expired: queueTimeoutRejection }),
      ...(options.clock ? { clock: options.clock } : {}),
      flush: (group) => this.#flush(group),
      onFlush: ({ weight, ms, ok }) => {
        options.metrics.ingestCommitEvents.observe(weight);
        options.metrics.ingestCommitDuration.observe({ result: ok ? 'ok' : 'error' }, ms / 1000);
      },
    });
  }

  /**
   * Writes one request's events in one transaction; throws AppError
   * not_found / unavailable / game_busy. A request naming a game whose row
   * another transaction holds goes to a later group, so that it holds no
   * other request; per-game sequences stay contiguous and in order, since
   * they are only assigned under the row lock.
   */
  async write(events: readonly PreparedEvent[]): Promise<WrittenEvent[]> {
    return (await this.writeOnce(events, null)).written;
  }

  /**
   * write(), with an idempotency key: the first request with the key writes
   * its events and stores its answer in the same transaction; a retry with
   * the same body gets that answer (replayOf set) and writes nothing; one
   * with another body gets 422 idempotency_key_reused. A retry racing the
   * first request (another replica, the same group) waits for its commit.
   * `eventClaims` (a batch's per-event keys, one per event) do the same for
   * each event alone: a replayed event carries `replayOf`.
   */
  async writeOnce(
    events: readonly PreparedEvent[],
    claim: IdempotencyClaim | null,
    eventClaims?: readonly (IdempotencyClaim | null)[],
  ): Promise<WriteResult> {
    const refused = this.refusal(events.length);
    if (refused) throw refused;
    const { metrics } = this.#options;
    this.#queuedEvents += events.length;
    this.#queuedRequests += 1;
    metrics.ingestQueueEvents.set(this.#queuedEvents);
    try {
      return await this.#writeAdmitted(events, claim, eventClaims);
    } finally {
      this.#queuedRequests -= 1;
      this.#queuedEvents -= events.length;
      metrics.ingestQueueEvents.set(this.#queuedEvents);
    }
  }

  /**
   * The 503 overloaded answer to a request of `events` events if the write
   * queue cannot take it now, else null. Costs no database work, so routes
   * may also ask before reading a body.
   */
  refusal(events: number): IngestRejection | null {
    const limits = this.#options.queueLimits;
    if (limits === undefined) return null;
    const decision = admission(
      {
        events: this.#queuedEvents,
        requests: this.#queuedRequests,
        // The wait for company (INGEST_COMMIT_WAIT_MS) is by design; only the wait behind busy groups is a queue.
        standingWaitMs: Math.max(0, this.#committer.standingWaitMs() - this.#options.maxWaitMs),
        loopLagMs: this.#options.loopLagMs?.() ?? 0,
      },
      events,
      limits,
    );
    if (decision.admit) return null;
    return this.#refusals.get(decision.limit) ?? null;
  }

  async #writeAdmitted(
    events: readonly PreparedEvent[],
    claim: IdempotencyClaim | null,
    eventClaims?: readonly (IdempotencyClaim | null)[],
  ): Promise<WriteResult> {
    const submission: Submission =
      eventClaims === undefined ? { events, claim } : { events, claim, eventClaims };
    const clock = this.#options.clock ?? systemClock;
    const budgetMs = this.#options.busyWaitMs ?? 1000;
    const started = clock.monotonic();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#committer.submit(submission, events.length);
      } catch (err) {
        if (!(err instanceof GameBusyError) && !(err instanceof KeyUnsettledError)) throw err;
        const delay = nextBusyRetryMs(attempt, clock.monotonic() - started, budgetMs);
        if (delay === null) {
          if (err instanceof KeyUnsettledError) {
            throw new IngestRejection(
              'unavailable',
              'idempotency_key_unsettled',
              'The idempotency key is taken but its answer could not be read; retry later',
              { retryAfterSeconds: 1, outcome: 'not_written' },
              { cause: err },
            );
          }
          const retryAfterSeconds = busyRetryAfterSeconds(budgetMs);
          throw new AppError(
            'game_busy',
            'The game is being changed by another transaction; retry shortly',
            { gameIds: err.gameIds, retryAfterSeconds },
            { cause: err },
          );
        }
        this.#options.metrics.ingestBusyRetries.inc();
        await sleep(delay, clock);
      }
    }
  }

  drain(): Promise<void> {
    return this.#committer.drain();
  }

  async #flush(group: readonly Submission[]): Promise<Settled<WriteResult>[]> {
    try {
      return await this.#write(group);
    } catch (err) {
      // Every request of the group would fail the same way: one answer each, no one-by-one re-run.
      const unavailable = unavailableRejection(err);
      if (unavailable) {
        // A missing schema or refused credentials will not pass by themselves: someone must act.
        const level = classifyDatabaseError(err).transient ? 'warn' : 'error';
        this.#options.logger.log(level, 'group insert failed: database unavailable', {
          cause: describeDatabaseError(err),
          requests: group.length,
          ...errorFields(err),
        });
        throw unavailable;
      }
      if (group.length === 1) throw err;
      // Something in one request broke the shared statement: isolate it.
      this.#options.logger.warn('group insert failed; writing its requests one by one', {
        cause: describeDatabaseError(err),
        requests: group.length,
        ...errorFields(err),
      });
      return Promise.all(
        group.map(async (submission): Promise<Settled<WriteResult>> => {
          try {
            const [outcome] = await this.#write([submission]);
            return outcome ?? { ok: false, error: new Error('no outcome') };
          } catch (error) {
            return { ok: false, error: unavailableRejection(error) ?? error };
          }
        }),
      );
    }
  }

  /**
   * Requests without a key keep the single group-commit statement; a group
   * with keys takes a transaction of three statements (claim, insert,
   * settle) and then reads the answers of the keys it found taken.
   */
  async #write(group: readonly Submission[]): Promise<Settled<WriteResult>[]> {
    if (!group.some(hasKeys)) {
      const rows = await this.#retrySerialization(() =>
        insertEvents(
          this.#options.pool,
          group.map((s) => s.events),
        ),
      );
      return outcomes(
        group.map((s) => s.events),
        rows,
      ).map((o) => (o.ok ? { ok: true, value: { written: o.value, replayOf: null } } : o));
    }
    const keyed = await this.#retrySerialization(() => insertKeyed(this.#options.pool, group));
    const taken = group.flatMap((s, i) => (keyed.replays.has(i) && s.claim ? [claimKey(s.claim)] : []));
    const stored = taken.length === 0 ? [] : await storedIngestAnswers(this.#options.pool, taken);
    return group.map((submission, i): Settled<WriteResult> => {
      const own = keyed.outcomes.get(i);
      if (own?.ok && own.value.some((w) => w.replayOf !== undefined))
        this.#options.metrics.ingestIdempotentReplays.inc();
      if (own) return own.ok ? { ok: true, value: { written: own.value, replayOf: null } } : own;
      const answer = keyedAnswer(submission, stored);
      if (answer.ok) this.#options.metrics.ingestIdempotentReplays.inc();
      return answer.ok
        ? answer
        : { ok: false, error: answer.error ?? new KeyUnsettledError(submission.claim?.key ?? '') };
    });
  }

  async #retrySerialization<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (err) {
        if (classifyDatabaseError(err).kind !== 'serialization' || attempt >= 5) throw err;
        this.#options.metrics.ingestCommitRetries.inc();
        // Two writers of one game collided: as short as a busy row, jittered so they do not collide again.
        await sleep(backoffDelay(attempt, backoffPresets.busyRow), this.#options.clock ?? systemClock);
      }
    }
  }
}

/** Turns the statement's rows into one outcome per request. */
export function outcomes(
  group: readonly (readonly PreparedEvent[])[],
  rows: readonly InsertedRow[],
): Settled<WrittenEvent[]>[] {
  const byEventId = new Map<string, InsertedRow>();
  const missingGames = new Set<string>();
  const busyGames = new Set<string>();
  for (const row of rows) {
    if (row.kind === 'missing_game') missingGames.add(row.id);
    else if (row.kind === 'busy_game') busyGames.add(row.id);
    else if (row.event_id !== null) byEventId.set(row.event_id, row);
  }
  return group.map((events): Settled<WrittenEvent[]> => {
    // A request naming a busy game wrote nothing; unless it also names an unknown game, it is tried again.
    if (busyGames.size > 0 && !events.some((e) => e.gameId !== null && missingGames.has(e.gameId))) {
      const busy = [
        ...new Set(events.map((e) => e.gameId).filter((g): g is string => g !== null && busyGames.has(g))),
      ];
      if (busy.length > 0) return { ok: false, error: new GameBusyError(busy) };
    }
    const written: WrittenEvent[] = [];
    for (const event of events) {
      const row = byEventId.get(event.eventId);
      if (!row) {
        const gameIds = [
          ...new Set(
            events.map((e) => e.gameId).filter((g): g is string => g !== null && missingGames.has(g)),
          ),
        ];
        return {
          ok: false,
          error: new AppError('not_found', gameIds.length === 1 ? 'Unknown game' : 'Unknown games', {
            gameIds,
          }),
        };
      }
      written.push({
        outboxId: row.id,
        eventId: event.eventId,
        sequence: row.sequence === null ? null : Number(row.sequence),
      });
    }
    return { ok: true, value: written };
  });
}
