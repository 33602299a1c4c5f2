// `npm run bench -- notify`: single-event commits per second from many
// concurrent writers, with the outbox trigger NOTIFYing every commit (as
// migration 0006 did, and as 0012 does while a relay sleeps) and without
// (0012 while every relay is awake). NOTIFY takes a database-wide lock from
// the statement to the end of the commit, WAL flush included, so commits
// that NOTIFY are serialised whatever the number of writers.
import pg from 'pg';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { treeCpuSeconds } from './lib/procStats.ts';
import { table } from './lib/stats.ts';

const writers = Number(process.env['BENCH_WRITERS'] ?? 32);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);

/** The trigger of migration 0006: one NOTIFY per statement that inserted events. */
const notifyEveryCommit = `
  CREATE OR REPLACE FUNCTION realtime_outbox_after_insert() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM realtime_outbox_inserted) THEN
      PERFORM pg_notify('realtime_outbox', '');
    END IF;
    RETURN NULL;
  END
  $$`;

interface Variant {
  name: string;
  /** SQL run before the variant's writers start (after the trigger of 0012 is restored). */
  prepare: string[];
}

const relay = '00000000-0000-4000-8000-000000000001';
const variants: Variant[] = [
  { name: '0006 trigger: NOTIFY every commit', prepare: [notifyEveryCommit] },
  {
    name: '0012, relay asleep: NOTIFY every commit',
    prepare: [`SELECT realtime_relay_asleep('${relay}', 1000, 60000)`],
  },
  { name: '0012, relay awake: no NOTIFY', prepare: [`SELECT realtime_relay_awake('${relay}')`] },
];

interface Sample {
  commitsPerSecond: number;
  pgCpuUsPerCommit: number;
  notifications: number;
}

async function measure(pool: pg.Pool, pgPid: number, listener: pg.Client): Promise<Sample> {
  let notifications = 0;
  const count = (): void => {
    notifications += 1;
  };
  listener.on('notification', count);
  let commits = 0;
  const cpuBefore = treeCpuSeconds(pgPid);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < until) {
        await pool.query(
          `INSERT INTO realtime_outbox (type, channel, request_id, source)
           VALUES ('notice', 'user.bench' || $1, 'bench', 'api')`,
          [w],
        );
        commits += 1;
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const cpuS = treeCpuSeconds(pgPid) - cpuBefore;
  await listener.query('SELECT 1');
  listener.off('notification', count);
  return { commitsPerSecond: commits / elapsedS, pgCpuUsPerCommit: (cpuS / commits) * 1e6, notifications };
}

export async function run(): Promise<void> {
  console.log(
    `notify: ${writers} writers committing one event each per transaction for ${seconds} s, ${rounds} rounds, a listener on realtime_outbox (BENCH_WRITERS, BENCH_SECONDS, BENCH_ROUNDS)`,
  );
  const server = await startBenchPostgres('notify');
  const pool = new pg.Pool({ connectionString: server.url(), max: writers + 2 });
  // Idle connections see the server's shutdown as an error: expected at the end.
  pool.on('error', () => undefined);
  const listener = new pg.Client({ connectionString: server.url() });
  await listener.connect();
  await listener.query('LISTEN realtime_outbox');
  const { rows } = await pool.query<{ body: string }>(
    "SELECT pg_get_functiondef('realtime_outbox_after_insert()'::regprocedure) AS body",
  );
  const shipped = rows[0]?.body ?? '';
  const samples = new Map<string, Sample[]>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      // Interleaved, so that the machine's drift falls on every variant alike.
      for (const variant of variants) {
        await pool.query(shipped);
        await pool.query('TRUNCATE realtime_outbox, realtime_relays');
        for (const sql of variant.prepare) await pool.query(sql);
        const sample = await measure(pool, server.pid, listener);
        samples.set(variant.name, [...(samples.get(variant.name) ?? []), sample]);
        console.log(
          `  round ${round + 1}, ${variant.name}: ${Math.round(sample.commitsPerSecond)} commits/s, ${sample.pgCpuUsPerCommit.toFixed(0)} µs PostgreSQL CPU per commit, ${sample.notifications} notifications`,
        );
      }
    }
  } finally {
    await listener.end();
    await pool.end();
    await server.stop();
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const base = median((samples.get(variants[0]?.name ?? '') ?? []).map((s) => s.commitsPerSecond));
  console.log('');
  console.log(
    table([
      ['trigger', 'commits/s (median)', 'ratio', 'PostgreSQL CPU per commit (median)'],
      ...variants.map((v) => {
        const list = samples.get(v.name) ?? [];
        const rate = median(list.map((s) => s.commitsPerSecond));
        return [
          v.name,
          String(Math.round(rate)),
          `${(rate / base).toFixed(2)}x`,
          `${median(list.map((s) => s.pgCpuUsPerCommit)).toFixed(0)} µs`,
        ];
      }),
    ]),
  );
}
