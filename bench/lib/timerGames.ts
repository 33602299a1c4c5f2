// Games for the timer comparison and scale benchmarks.
import type pg from 'pg';
import { parentPid } from './procStats.ts';

/** Empties games and what their triggers write (each contender starts on fresh tables). */
export async function resetGames(pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE games, realtime_outbox, game_transitions');
}

/**
 * Creates `count` waiting games whose briefing lasts `minS` + a uniform
 * random part of `spreadS` seconds; every later phase lasts `phaseS`.
 */
export async function createWaitingGames(
  pool: pg.Pool,
  count: number,
  timing: { minS: number; spreadS: number; phaseS: number; rounds: number },
): Promise<void> {
  for (let done = 0; done < count; done += 10_000) {
    const n = Math.min(10_000, count - done);
    await pool.query(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT $2, jsonb_build_object('briefing', round(($3 + random() * $4)::numeric, 3),
                                     'drawing', $5::numeric, 'voting', $5::numeric, 'results', $5::numeric)
       FROM generate_series(1, $1)`,
      [n, timing.rounds, timing.minS, timing.spreadS, timing.phaseS],
    );
  }
}

/** Starts every waiting game (as the game backend does), 10,000 per statement. */
export async function startWaitingGames(pool: pg.Pool): Promise<void> {
  for (;;) {
    const { rowCount } = await pool.query(
      `UPDATE games SET status = 'briefing'
       WHERE id IN (SELECT id FROM games WHERE status = 'waiting' LIMIT 10000)`,
    );
    if (!rowCount) break;
  }
  await pool.query('ANALYZE games');
}

/** Transitions out of briefing committed so far, and the database-side lag of them (committed_at - deadline). */
export async function briefingTransitions(
  pool: pg.Pool,
): Promise<{ n: number; p50: number; p99: number; max: number }> {
  const { rows } = await pool.query<{ n: number; p50: number; p99: number; max: number }>(
    `SELECT count(*)::int AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, max(lag) AS max
     FROM (SELECT extract(epoch FROM committed_at - deadline) * 1000 AS lag
           FROM game_transitions WHERE from_status = 'briefing' AND deadline IS NOT NULL) t`,
  );
  return rows[0] ?? { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
}

/** The PostgreSQL server's postmaster pid (the parent of a backend). */
export async function postmasterPid(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return parentPid(rows[0]?.pid ?? 0);
}
