// `npm run bench -- timers`: deadline -> commit lag at 100,000 active games with
// 60 s phases, and the drain time of 100,000 deadlines falling at one instant.
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { loadTimerMonitorConfig, startTimerMonitor, type TransitionEvent } from '@sketchyaf/timer-monitor';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { treeCpuSeconds } from './lib/procStats.ts';
import { ms, summarize, table } from './lib/stats.ts';

const games = Number(process.env['BENCH_GAMES'] ?? 100_000);
const windowSeconds = Number(process.env['BENCH_WINDOW_S'] ?? 60);

/** TIMER_* tuning from the environment, so settings can be compared run against run. */
function timerEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('TIMER_')));
}

async function createGames(pool: pg.Pool, count: number): Promise<void> {
  // Briefing ends at a random point of the window (after 20 s of set-up time),
  // every later phase lasts 60 s: a steady ~count/60 transitions per second,
  // like games started over a minute.
  for (let done = 0; done < count; done += 10_000) {
    const n = Math.min(10_000, count - done);
    await pool.query(
      `WITH ins AS (
         INSERT INTO games (total_rounds, phase_durations)
         SELECT 10, jsonb_build_object('briefing', round((20 + random() * $2)::numeric, 3),
                                       'drawing', 60, 'voting', 60, 'results', 60)
         FROM generate_series(1, $1) RETURNING id)
       SELECT count(*) FROM ins`,
      [n, windowSeconds],
    );
    await pool.query(
      `UPDATE games SET status = 'briefing'
       WHERE id IN (SELECT id FROM games WHERE status = 'waiting' LIMIT $1)`,
      [n],
    );
    process.stdout.write(`\r  created and started ${done + n} / ${count} games`);
  }
  process.stdout.write('\n');
}

async function databaseLag(
  pool: pg.Pool,
  fromId: string,
): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const { rows } = await pool.query<{ p50: number; p99: number; max: number; n: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, max(lag) AS max, count(*)::int AS n
     FROM (SELECT extract(epoch FROM committed_at - deadline) * 1000 AS lag
           FROM game_transitions WHERE id > $1 AND source = 'timer-monitor') t`,
    [fromId],
  );
  return rows[0] ?? { p50: Number.NaN, p99: Number.NaN, max: Number.NaN, n: 0 };
}

/**
 * Moves every running deadline to one instant (returned with the count, epoch ms). The table
 * lock makes the monitor's batches wait for the move instead of deadlocking with it: both
 * lock many games rows, in different orders.
 */
async function moveAllDeadlines(pool: pg.Pool): Promise<{ count: number; instant: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE games IN EXCLUSIVE MODE');
    const { rows } = await client.query<{ count: number; instant: number }>(
      `WITH moved AS (
         UPDATE games SET phase_expires_at = date_trunc('second', now()) + interval '8 seconds'
         WHERE timer_running RETURNING phase_expires_at)
       SELECT count(*)::int AS count, (extract(epoch FROM min(phase_expires_at)) * 1000)::float8 AS instant
       FROM moved`,
    );
    await client.query('COMMIT');
    return rows[0] ?? { count: 0, instant: Number.NaN };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function lastTransitionId(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string | null }>(
    'SELECT max(id)::text AS id FROM game_transitions',
  );
  return rows[0]?.id ?? '0';
}

export async function run(): Promise<void> {
  console.log(
    `timers: ${games} active games, ${windowSeconds} s measuring window (BENCH_GAMES, BENCH_WINDOW_S)`,
  );
  const server = await startBenchPostgres('timers');
  const pool = new pg.Pool({ connectionString: server.url(), max: 4 });
  pool.on('error', () => undefined);
  const monitor = await startTimerMonitor(
    loadTimerMonitorConfig({ ...timerEnv(), DATABASE_URL: server.url(), PORT: '0', LOG_LEVEL: 'warn' }),
    { logger: createSilentLogger('timer-monitor') },
  );
  try {
    await createGames(pool, games);
    await monitor.monitor.reload();
    console.log(`  timer monitor tracks ${monitor.monitor.trackedGames} games`);

    // Steady state: every game's briefing ends somewhere in the window.
    const lags: number[] = [];
    const sendLags: number[] = [];
    const onTransition = (e: TransitionEvent): void => {
      lags.push(e.lagMs);
      sendLags.push(e.sendLagMs);
    };
    monitor.monitor.on('transition', onTransition);
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const fromId = await lastTransitionId(pool);
    const started = Date.now();
    for (let s = 0; s < windowSeconds + 22; s += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      process.stdout.write(`\r  steady state: ${s + 1}s, ${lags.length} transitions`);
    }
    process.stdout.write('\n');
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    monitor.monitor.off('transition', onTransition);
    const steady = summarize(lags);
    const sent = summarize(sendLags);
    const answered = summarize(lags.map((lag, i) => lag - (sendLags[i] ?? 0)));
    const dbSteady = await databaseLag(pool, fromId);

    // Drain: every active deadline moved to the same instant, 7-8 s from now.
    const drainLags: number[] = [];
    let instant = Number.NaN;
    const onDrain = (e: TransitionEvent): void => {
      // Only the transitions of the moved deadlines: others may still land meanwhile.
      if (e.deadlineAt === instant) drainLags.push(e.lagMs);
    };
    monitor.monitor.on('transition', onDrain);
    const drainFrom = await lastTransitionId(pool);
    if (process.env['BENCH_DEBUG']) {
      const text = await monitor.registry.metrics();
      console.log(
        text
          .split('\n')
          .filter((l) => /timer_(statement_duration_seconds|batch_size)_(sum|count)/.test(l))
          .join('\n'),
      );
    }
    const moved = await moveAllDeadlines(pool);
    const target = moved.count;
    instant = moved.instant;
    // Moving every deadline is set-up, not the scenario: clean up the dead row versions it
    // left, as autovacuum would have long before 100,000 real deadlines lined up.
    await pool.query('VACUUM (ANALYZE) games');
    // The monitor has reloaded the moved deadlines by now; from shortly before the
    // instant, the CPU used is the drain's.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - 200 - Date.now())));
    const drainPgCpu = treeCpuSeconds(server.pid);
    const drainOwnCpu = process.cpuUsage();
    const drainDeadline = Date.now() + 30_000;
    while (drainLags.length < target && Date.now() < drainDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pgCpu = treeCpuSeconds(server.pid) - drainPgCpu;
    const ownCpuUsage = process.cpuUsage(drainOwnCpu);
    const ownCpu = (ownCpuUsage.user + ownCpuUsage.system) / 1e6;
    monitor.monitor.off('transition', onDrain);
    const drain = summarize(drainLags);
    if (process.env['BENCH_DEBUG']) {
      const text = await monitor.registry.metrics();
      console.log(
        text
          .split('\n')
          .filter((l) =>
            /timer_(statement_duration_seconds|batch_size)_(sum|count)|cas_misses|reloads_total|batch_failures/.test(
              l,
            ),
          )
          .join('\n'),
      );
    }
    const dbDrain = await databaseLag(pool, drainFrom);

    console.log('');
    console.log(
      table([
        ['scenario', 'transitions', 'lag p50', 'lag p99', 'lag p99.9', 'lag max', 'db-side p99'],
        [
          `steady, ${games} games, 60 s phases`,
          String(steady.n),
          ms(steady.p50),
          ms(steady.p99),
          ms(steady.p999),
          ms(steady.max),
          ms(dbSteady.p99),
        ],
        [
          `drain, ${target} deadlines at one instant`,
          String(drain.n),
          ms(drain.p50),
          ms(drain.p99),
          ms(drain.p999),
          ms(drain.max),
          ms(dbDrain.p99),
        ],
      ]),
    );
    console.log('');
    console.log(
      `  steady: ${(steady.n / elapsed).toFixed(0)} transitions/s; timer-monitor process CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1)}% of one core; event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(
      `  steady lag split: deadline -> statement sent p50 ${ms(sent.p50)}, p99 ${ms(sent.p99)}; sent -> committed and answered p50 ${ms(answered.p50)}, p99 ${ms(answered.p99)}`,
    );
    console.log(
      `  drain time (deadline -> last commit): ${ms(drain.max)} for ${drain.n} of ${target} games${drain.n < target ? ' (INCOMPLETE)' : ''}`,
    );
    const cores = availableParallelism();
    console.log(
      `  drain CPU: PostgreSQL ${pgCpu.toFixed(2)} s + timer monitor (this process) ${ownCpu.toFixed(2)} s = ${(((pgCpu + ownCpu) / Math.max(1, drain.n)) * 1e6).toFixed(1)} µs per transition; on ${cores} cores that much CPU alone takes ${ms(((pgCpu + ownCpu) / cores) * 1000)}`,
    );
    console.log(
      `  targets: steady lag p99 <= 25 ms -> ${steady.p99 <= 25 ? 'met' : 'MISSED'}; drain <= 2000 ms -> ${drain.max <= 2000 && drain.n === target ? 'met' : 'MISSED'}`,
    );
  } finally {
    await monitor.stop();
    await pool.end();
    await server.stop();
  }
}
