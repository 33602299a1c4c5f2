// The replaced design: a cron-scheduled job every 10 s (on the wall clock's
// 10-second marks, as `*/10 * * * * *` fires) that takes a PostgreSQL
// advisory lock, so only one runner works at a time, and advances every game
// whose deadline has passed. Set-based and generous to it: 2,500 games per
// statement (FOR UPDATE SKIP LOCKED) found through the running-games index
// the timer monitor's sweep uses, one pooled connection.
import type pg from 'pg';
import { timerPool, type ContenderFactory } from './contender.ts';

const lockKey = 0x5ca7; // any constant shared by every runner

export const cron: ContenderFactory = (settings, onTransition) => {
  const periodMs = settings.options['periodMs'] ?? 10_000;
  const chunk = settings.options['chunk'] ?? 2500;
  let pool: pg.Pool | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = async (client: pg.PoolClient): Promise<void> => {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      lockKey,
    ]);
    if (!rows[0]?.locked) return;
    try {
      for (;;) {
        const result = await client.query<{ deadline: number }>(
          `WITH due AS (
             SELECT id, phase_expires_at AS deadline FROM games
             WHERE timer_running AND phase_expires_at <= clock_timestamp()
             ORDER BY phase_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE games g SET status = realtime_next_timed_status(g.status, g.current_round, g.total_rounds)
           FROM due WHERE g.id = due.id
           RETURNING (extract(epoch FROM due.deadline) * 1000)::float8 AS deadline`,
          [chunk],
        );
        const now = Date.now();
        for (const r of result.rows) onTransition(r.deadline, now - r.deadline);
        if (result.rows.length < chunk) break;
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = (async () => {
          const client = await pool?.connect();
          if (!client) return;
          try {
            await tick(client);
          } finally {
            client.release();
          }
        })()
          .catch((err: unknown) => {
            console.error('cron tick failed:', err);
          })
          .finally(schedule);
      },
      periodMs - (Date.now() % periodMs),
    );
  };

  return {
    description: `cron poll every ${periodMs / 1000} s under pg_try_advisory_lock, ${chunk} games per statement`,
    async prepare() {
      pool = timerPool(settings.databaseUrl, 2);
      await pool.query('SELECT 1');
    },
    begin() {
      schedule();
      return Promise.resolve();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
      await pool?.end();
    },
  };
};
