// A timer implementation under comparison: each one moves games to their next
// phase when `phase_expires_at` passes, through the same compare-and-set
// UPDATE on `games` (so the same triggers write the same outbox and audit
// rows), and reports each transition's lag once its commit is acknowledged.
import pg from 'pg';

export interface ContenderSettings {
  databaseUrl: string;
  redisUrl: string;
  /** Free-form per-contender settings (concurrency, batch sizes), from the bench flags. */
  options: Readonly<Record<string, number>>;
}

/** deadline (epoch ms), lag (ms): deadline -> commit acknowledged, on this machine's clock (also the database's). */
export type OnTransition = (deadlineMs: number, lagMs: number) => void;

export interface Contender {
  /** Settings as they apply, for the report. */
  readonly description: string;
  /** Connects; the games are created but not started yet. */
  prepare(): Promise<void>;
  /** The games have just started: take up every running deadline (queues enqueue one job per game here). */
  begin(): Promise<void>;
  stop(): Promise<void>;
}

export type ContenderFactory = (settings: ContenderSettings, onTransition: OnTransition) => Contender;

/**
 * A pool whose sessions write as the timer monitor does (`sketchyaf.source`),
 * so the games triggers treat every contender's transitions alike (outbox
 * rows with source timer-monitor, no deadline NOTIFY).
 */
export function timerPool(databaseUrl: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    options: '-c sketchyaf.source=timer-monitor',
  });
  pool.on('error', () => undefined);
  return pool;
}

export interface Advanced {
  id: string;
  version: string;
  /** The new phase's deadline, epoch ms; null when the game finished. */
  nextAt: number | null;
}

/**
 * Compare-and-set on (id, version), only once the deadline has passed in
 * database time: the statement the timer monitor uses, for any batch size.
 */
export async function advance(
  pool: pg.Pool,
  batch: readonly { gameId: string; version: string }[],
): Promise<Advanced[]> {
  const { rows } = await pool.query<{ id: string; version: string; next_at: number | null }>(
    `UPDATE games g
     SET status = realtime_next_timed_status(g.status, g.current_round, g.total_rounds)
     FROM unnest($1::uuid[], $2::bigint[]) AS d(id, version)
     WHERE g.id = ANY($1::uuid[]) AND g.id = d.id AND g.version = d.version
       AND g.phase_expires_at <= clock_timestamp()
     RETURNING g.id::text, g.version::text, (extract(epoch FROM g.phase_expires_at) * 1000)::float8 AS next_at`,
    [batch.map((b) => b.gameId), batch.map((b) => b.version)],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, nextAt: r.next_at }));
}

/** Every running deadline, for the queues to enqueue at the start. */
export async function runningDeadlines(
  pool: pg.Pool,
): Promise<{ gameId: string; version: string; at: number }[]> {
  const { rows } = await pool.query<{ id: string; version: string; at: number }>(
    `SELECT id::text, version::text, (extract(epoch FROM phase_expires_at) * 1000)::float8 AS at
     FROM games WHERE phase_expires_at IS NOT NULL`,
  );
  return rows.map((r) => ({ gameId: r.id, version: r.version, at: r.at }));
}
