import type { Pool } from '@sketchyaf/core';

// Every SQL statement of the timer monitor, in one place.

export interface GameDeadlineRow {
  id: string;
  version: string;
  at: number | null;
  /** phase_started_at, epoch milliseconds. */
  started: number | null;
}

export interface AdvancedRow extends GameDeadlineRow {
  status: string;
  round: number;
}

export interface CurrentRow extends GameDeadlineRow {
  db_now: number;
}

/** Null `shards` means every shard (a single replica owns them all). */
function shardFilter(firstParam: number): string {
  return `($${firstParam}::int[] IS NULL OR realtime_shard(id, $${firstParam + 1}) = ANY($${firstParam}::int[]))`;
}

/** Heap blocks of the games table now; a reload reads them in ranges. */
export async function gamesTableBlocks(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ blocks: number }>(
    `SELECT (pg_relation_size('games') / current_setting('block_size')::int)::int AS blocks`,
  );
  return rows[0]?.blocks ?? 0;
}

/**
 * The running games' deadlines in heap blocks [from, to) of the games table
 * (`to` null: to the end), in the table's physical order (a TID range scan).
 * Read in ranges so that a reload of 300,000 games never holds more than a
 * range's row objects: the process keeps the heap it grew for its largest
 * read. Physical order, because deadlines falling at one instant go out in
 * the order they were read, and batches of rows on few pages cost the
 * database less.
 */
export async function loadDeadlines(
  pool: Pool,
  shards: readonly number[] | null,
  shardCount: number,
  blocks: { from: number; to: number | null },
): Promise<GameDeadlineRow[]> {
  const upTo = blocks.to === null ? '' : 'AND ctid < $4::tid';
  const { rows } = await pool.query<GameDeadlineRow>(
    `SELECT id, version::text, (extract(epoch FROM phase_expires_at) * 1000)::float8 AS at,
            (extract(epoch FROM phase_started_at) * 1000)::float8 AS started
     FROM games WHERE timer_running AND ${shardFilter(1)} AND ctid >= $3::tid ${upTo}`,
    [shards, shardCount, `(${blocks.from},0)`, ...(blocks.to === null ? [] : [`(${blocks.to},0)`])],
  );
  return rows;
}

export interface SweepResult {
  rows: GameDeadlineRow[];
  overdue: number;
}

/**
 * Games past their deadline by more than `graceMs`: the safety net under
 * NOTIFY. Running games are found through games_timer_running_idx; there is
 * deliberately no index on the deadline (it would make every transition a
 * non-HOT update, see migration 0007).
 */
export async function sweepOverdue(
  pool: Pool,
  shards: readonly number[] | null,
  shardCount: number,
  options: { graceMs: number; overdueMs: number; limit: number },
): Promise<SweepResult> {
  const { rows } = await pool.query<GameDeadlineRow & { overdue: boolean }>(
    `SELECT id, version::text, (extract(epoch FROM phase_expires_at) * 1000)::float8 AS at,
            (extract(epoch FROM phase_started_at) * 1000)::float8 AS started,
            phase_expires_at <= clock_timestamp() - $4 * interval '1 millisecond' AS overdue
     FROM games
     WHERE timer_running AND phase_expires_at <= clock_timestamp() - $3 * interval '1 millisecond'
       AND ${shardFilter(1)}
     ORDER BY phase_expires_at
     LIMIT $5`,
    [shards, shardCount, options.graceMs, options.overdueMs, options.limit],
  );
  return { rows, overdue: rows.filter((r) => r.overdue).length };
}

/**
 * How many games in owned shards are past their deadline by more than
 * `overdueMs`, counting at most `limit`: the sweep's gauge without reading the
 * rows, for when a backlog is being worked anyway.
 */
export async function countOverdue(
  pool: Pool,
  shards: readonly number[] | null,
  shardCount: number,
  options: { overdueMs: number; limit: number },
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM games
       WHERE timer_running AND phase_expires_at <= clock_timestamp() - $3 * interval '1 millisecond'
         AND ${shardFilter(1)}
       LIMIT $4) overdue`,
    [shards, shardCount, options.overdueMs, options.limit],
  );
  return rows[0]?.n ?? 0;
}

/**
 * One statement advances a whole batch: compare-and-set on each game's
 * version and on the deadline having passed in database time. The next
 * status comes from realtime_next_timed_status(), the database's own phase
 * machine. Only the games that advanced come back. `id = ANY(...)` keeps the
 * plan on the primary key whatever the table statistics say (a hash join
 * over a seq scan costs 50 ms per batch at 100k games).
 *
 * The due rows are locked first with SKIP LOCKED: a game whose row another
 * transaction holds (a backend transaction left open, a slow ingest) is left
 * out and comes back as a miss, instead of making the whole batch wait for
 * the lock up to statement_timeout. The caller tells it apart from a stale
 * version by re-reading it. The locked ids reach the UPDATE as one array (a
 * scalar subquery), so its plan stays a bitmap scan of the primary key:
 * joining the locked rows instead made a nested loop probing the key once per
 * row, 30 to 60 times slower at 2,500 games.
 */
export async function advanceBatch(
  pool: Pool,
  batch: readonly { gameId: string; version: number }[],
  requestId: string,
): Promise<AdvancedRow[]> {
  const { rows } = await pool.query<AdvancedRow>(
    `WITH settings AS (SELECT set_config('sketchyaf.request_id', $3, true)),
     locked AS MATERIALIZED (
       SELECT array_agg(l.id) AS ids FROM (
         SELECT g.id FROM games g, unnest($1::uuid[], $2::bigint[]) AS d(id, version)
         WHERE g.id = ANY($1::uuid[]) AND g.id = d.id AND g.version = d.version
           AND g.phase_expires_at <= clock_timestamp()
         FOR NO KEY UPDATE OF g SKIP LOCKED) l)
     UPDATE games g
     SET status = realtime_next_timed_status(g.status, g.current_round, g.total_rounds)
     FROM unnest($1::uuid[], $2::bigint[]) AS d(id, version), settings
     WHERE g.id = ANY((SELECT ids FROM locked)::uuid[]) AND g.id = d.id AND g.version = d.version
       AND g.phase_expires_at <= clock_timestamp()
     RETURNING g.id, g.version::text, g.status, g.current_round AS round,
               (extract(epoch FROM g.phase_expires_at) * 1000)::float8 AS at,
               (extract(epoch FROM g.phase_started_at) * 1000)::float8 AS started`,
    [batch.map((b) => b.gameId), batch.map((b) => b.version), requestId],
  );
  return rows;
}

/** Current state of games that did not advance (rare: changed meanwhile, or not yet due). */
export async function currentDeadlines(pool: Pool, gameIds: readonly string[]): Promise<CurrentRow[]> {
  const { rows } = await pool.query<CurrentRow>(
    `SELECT id, version::text, (extract(epoch FROM phase_expires_at) * 1000)::float8 AS at,
            (extract(epoch FROM phase_started_at) * 1000)::float8 AS started,
            (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS db_now
     FROM games WHERE id = ANY($1::uuid[])`,
    [gameIds],
  );
  return rows;
}

/** Database clock in epoch milliseconds, for the clock-offset estimate. */
export async function databaseNow(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ now: number }>(
    'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now',
  );
  return rows[0]?.now ?? Number.NaN;
}
