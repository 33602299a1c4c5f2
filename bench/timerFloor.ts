// `npm run bench -- floor`: the drain's transition statement alone, as shipped
// and with the games triggers disabled (no validation, no outbox event, no
// audit row), to show how much of a transition's CPU the contract's
// per-transition work is, and what two cores can drain at best.
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { advanceBatch } from '@sketchyaf/timer-monitor';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { treeCpuSeconds } from './lib/procStats.ts';
import { ms, table } from './lib/stats.ts';

const games = Number(process.env['BENCH_GAMES'] ?? 100_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
/** One unmeasured drain first, so the outbox and audit tables hold a drain's rows like a warm system. */
const warm = process.env['BENCH_WARM'] === '1';
const batchSize = 2500;
const connections = 3;

interface Variant {
  name: string;
  /** Run before the drain, after the games are set up. */
  prepare: string | null;
}

const variants: Variant[] = [
  { name: 'as shipped', prepare: null },
  { name: 'no games triggers (bare compare-and-set)', prepare: 'ALTER TABLE games DISABLE TRIGGER USER' },
  // BENCH_SPLIT=1: which trigger the CPU goes to, one left out at a time.
  ...(process.env['BENCH_SPLIT'] === '1'
    ? [
        {
          name: 'without the row trigger (phase machine)',
          prepare: 'ALTER TABLE games DISABLE TRIGGER games_before_write',
        },
        {
          name: 'without the statement trigger (outbox event, audit row)',
          prepare: 'ALTER TABLE games DISABLE TRIGGER games_after_update',
        },
        {
          name: 'without the outbox NOTIFY trigger',
          prepare: 'ALTER TABLE realtime_outbox DISABLE TRIGGER realtime_outbox_after_insert',
        },
      ]
    : []),
];

interface Sample {
  wallMs: number;
  pgCpuS: number;
  advanced: number;
}

/** Every game started and past its deadline, the dead row versions of the set-up vacuumed. */
async function setUp(pool: pg.Pool): Promise<{ gameId: string; version: number }[]> {
  for (let done = 0; done < games; done += 10_000) {
    await pool.query(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT 10, '{"briefing":60,"drawing":60,"voting":60,"results":60}' FROM generate_series(1, $1)`,
      [Math.min(10_000, games - done)],
    );
  }
  await pool.query("UPDATE games SET status = 'briefing'");
  return expireAll(pool);
}

/** Moves every running deadline into the past; returns the games to advance. */
async function expireAll(pool: pg.Pool): Promise<{ gameId: string; version: number }[]> {
  await pool.query(
    "UPDATE games SET phase_expires_at = clock_timestamp() - interval '1 second' WHERE timer_running",
  );
  await pool.query('VACUUM (ANALYZE) games');
  const { rows } = await pool.query<{ id: string; version: string }>(
    'SELECT id, version::text FROM games WHERE timer_running',
  );
  return rows.map((r) => ({ gameId: r.id, version: Number(r.version) }));
}

async function drain(
  pool: pg.Pool,
  due: { gameId: string; version: number }[],
  pgPid: number,
): Promise<Sample> {
  const batches: (typeof due)[] = [];
  for (let i = 0; i < due.length; i += batchSize) batches.push(due.slice(i, i + batchSize));
  const cpuBefore = treeCpuSeconds(pgPid);
  const started = performance.now();
  let advanced = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        // Not `advanced += await …`: that reads `advanced` before the await and loses the others' counts.
        const rows = await advanceBatch(pool, batch, 'bench-floor');
        advanced += rows.length;
      }
    }),
  );
  return {
    wallMs: performance.now() - started,
    pgCpuS: treeCpuSeconds(pgPid) - cpuBefore,
    advanced,
  };
}

export async function run(): Promise<void> {
  console.log(
    `floor: ${games} due games advanced by the timer monitor's statement, batches of ${batchSize}, ${connections} connections, ${rounds} rounds${warm ? ', after a warm-up drain' : ''} (BENCH_GAMES, BENCH_ROUNDS, BENCH_WARM=1, BENCH_SPLIT=1)`,
  );
  const server = await startBenchPostgres('floor');
  const admin = new URL(server.url());
  admin.pathname = '/postgres';
  const adminPool = new pg.Pool({ connectionString: admin.toString(), max: 1 });
  const samples = new Map<string, Sample[]>();
  let databases = 0;
  try {
    for (let round = 0; round < rounds; round += 1) {
      // Interleaved, so that the machine's drift falls on every variant alike.
      for (const variant of variants) {
        databases += 1;
        const name = `floor${databases}`;
        await adminPool.query(`CREATE DATABASE ${name} TEMPLATE bench`);
        const url = new URL(server.url());
        url.pathname = `/${name}`;
        // The timer monitor's session: the games trigger skips the deadline NOTIFY for its transitions.
        const pool = new pg.Pool({
          connectionString: url.toString(),
          max: connections,
          options: '-c sketchyaf.source=timer-monitor',
        });
        try {
          let due = await setUp(pool);
          if (warm) {
            await drain(pool, due, server.pid);
            due = await expireAll(pool);
          }
          if (variant.prepare) await pool.query(variant.prepare);
          const sample = await drain(pool, due, server.pid);
          samples.set(variant.name, [...(samples.get(variant.name) ?? []), sample]);
          console.log(
            `  round ${round + 1}, ${variant.name}: ${sample.advanced} in ${ms(sample.wallMs)}, PostgreSQL ${sample.pgCpuS.toFixed(2)} CPU-s`,
          );
        } finally {
          await pool.end();
          await adminPool.query(`DROP DATABASE ${name}`);
        }
      }
    }
  } finally {
    await adminPool.end();
    await server.stop();
  }

  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const rows = variants.map((v) => {
    const list = samples.get(v.name) ?? [];
    return {
      name: v.name,
      bestMs: Math.min(...list.map((s) => s.wallMs)),
      cpuUs: median(list.map((s) => (s.pgCpuS / Math.max(1, s.advanced)) * 1e6)),
    };
  });
  console.log('');
  console.log(
    table([
      ['statement', 'best drain', 'PostgreSQL CPU per transition (median)'],
      ...rows.map((r) => [r.name, ms(r.bestMs), `${r.cpuUs.toFixed(1)} µs`]),
    ]),
  );
  const [shipped, bare] = rows;
  if (shipped && bare) {
    const cores = availableParallelism();
    console.log('');
    console.log(
      `  the contract's triggers (validation, outbox event, audit row): ${(shipped.cpuUs / bare.cpuUs).toFixed(2)}x the bare statement's CPU`,
    );
    console.log(
      `  ${games} transitions at ${shipped.cpuUs.toFixed(1)} µs of PostgreSQL CPU need at least ${ms((games * shipped.cpuUs) / 1000 / cores)} on ${cores} cores, before the monitor's own CPU`,
    );
  }
}
