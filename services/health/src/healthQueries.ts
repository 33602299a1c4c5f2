import type { Pool } from '@sketchyaf/core';
import type { GamesReport, OutboxReport } from './status/types.ts';

// The health service's SQL, in one place. Both statements use partial
// indexes (realtime_outbox_unpublished_idx, realtime_outbox_dead_lettered_idx,
// games_timer_running_idx) and are bounded, so a huge backlog or a long
// history of finished games cannot make a check slow.

/** Counting stops here: the page says "100000+" rather than scanning millions of rows. */
export const backlogCountCap = 100_000;

const outboxSql = `
SELECT
  (SELECT count(*) FROM (
     SELECT 1 FROM realtime_outbox
     WHERE published_at IS NULL AND dead_lettered_at IS NULL
     LIMIT $1) AS capped)::int AS backlog,
  COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - (
     SELECT created_at FROM realtime_outbox
     WHERE published_at IS NULL AND dead_lettered_at IS NULL
     ORDER BY id LIMIT 1)), 0)::float8 AS oldest_age_seconds,
  (SELECT count(*) FROM realtime_outbox WHERE dead_lettered_at IS NOT NULL)::int AS dead_letters`;

/** Unpublished, not dead-lettered events (all shards) and the age of the oldest, by the database clock. */
export async function readOutbox(pool: Pool): Promise<OutboxReport> {
  const { rows } = await pool.query<{ backlog: number; oldest_age_seconds: number; dead_letters: number }>(
    outboxSql,
    [backlogCountCap + 1],
  );
  const row = rows[0] ?? { backlog: 0, oldest_age_seconds: 0, dead_letters: 0 };
  return {
    backlog: Math.min(row.backlog, backlogCountCap),
    backlogCapped: row.backlog > backlogCountCap,
    oldestAgeSeconds: Math.max(0, row.oldest_age_seconds),
    deadLetters: row.dead_letters,
  };
}

const overdueSql = `
SELECT count(*)::int AS overdue,
       COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(phase_expires_at)), 0)::float8 AS oldest_seconds
FROM games
WHERE timer_running AND phase_expires_at < clock_timestamp() - interval '1 second'`;

/** Games more than 1 s past their phase deadline: the timer monitor should have moved them. */
export async function readOverdueGames(pool: Pool): Promise<GamesReport> {
  const { rows } = await pool.query<{ overdue: number; oldest_seconds: number }>(overdueSql);
  const row = rows[0] ?? { overdue: 0, oldest_seconds: 0 };
  return { overdue: row.overdue, oldestOverdueSeconds: Math.max(0, row.oldest_seconds) };
}
