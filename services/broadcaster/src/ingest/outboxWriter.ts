import {
  AppError,
  classifyDatabaseError,
  databaseUnavailableError,
  describeDatabaseError,
  systemClock,
  type Clock,
  type DatabaseUnavailableDetails,
  type Logger,
  type Pool,
} from '@sketchyaf/core';
import { GroupCommitter, type Settled } from '../db/groupCommit.ts';
import { insertEvents, type InsertedRow } from '../db/outboxQueries.ts';
import { IngestRejection } from '../errors.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import { busyRetryAfterSeconds, nextBusyRetryMs } from './busyRetry.ts';
import type { PreparedEvent } from './prepareEvent.ts';

export interface WrittenEvent {
  outboxId: string;
  eventId: string;
  sequence: number | null;
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
  readonly #committer: GroupCommitter<readonly PreparedEvent[], WrittenEvent[]>;

  constructor(options: OutboxWriterOptions) {
    this.#options = options;
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
    const clock = this.#options.clock ?? systemClock;
    const budgetMs = this.#options.busyWaitMs ?? 1000;
    const started = clock.monotonic();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#committer.submit(events, events.length);
      } catch (err) {
        if (!(err instanceof GameBusyError)) throw err;
        const delay = nextBusyRetryMs(attempt, clock.monotonic() - started, budgetMs);
        if (delay === null) {
          const retryAfterSeconds = busyRetryAfterSeconds(budgetMs);
          throw new AppError(
            'game_busy',
            'The game is being changed by another transaction; retry shortly',
            { gameIds: err.gameIds, retryAfterSeconds },
            { cause: err },
          );
        }
        this.#options.metrics.ingestBusyRetries.inc();
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      }
    }
  }

  drain(): Promise<void> {
    return this.#committer.drain();
  }

  async #flush(group: readonly (readonly PreparedEvent[])[]): Promise<Settled<WrittenEvent[]>[]> {
    try {
      return outcomes(group, await this.#insertWithRetry(group));
    } catch (err) {
      // Every request of the group would fail the same way: one answer each, no one-by-one re-run.
      const unavailable = unavailableRejection(err);
      if (unavailable) {
        // A missing schema or refused credentials will not pass by themselves: someone must act.
        const level = classifyDatabaseError(err).transient ? 'warn' : 'error';
        this.#options.logger.log(level, 'group insert failed: database unavailable', {
          cause: describeDatabaseError(err),
          requests: group.length,
          err,
        });
        throw unavailable;
      }
      if (group.length === 1) throw err;
      // Something in one request broke the shared statement: isolate it.
      this.#options.logger.warn('group insert failed; writing its requests one by one', {
        cause: describeDatabaseError(err),
        requests: group.length,
        err,
      });
      return Promise.all(
        group.map(async (events): Promise<Settled<WrittenEvent[]>> => {
          try {
            const [outcome] = outcomes([events], await this.#insertWithRetry([events]));
            return outcome ?? { ok: false, error: new Error('no outcome') };
          } catch (error) {
            return { ok: false, error: unavailableRejection(error) ?? error };
          }
        }),
      );
    }
  }

  async #insertWithRetry(group: readonly (readonly PreparedEvent[])[]): Promise<InsertedRow[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await insertEvents(this.#options.pool, group);
      } catch (err) {
        if (classifyDatabaseError(err).kind !== 'serialization' || attempt >= 5) throw err;
        this.#options.metrics.ingestCommitRetries.inc();
        await new Promise((resolve) => setTimeout(resolve, attempt * 2 + Math.random() * 5));
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
