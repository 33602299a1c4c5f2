// `npm run bench -- compare`: our timer monitor against what one would
// otherwise use for game phase timers, in one run, on one PostgreSQL and one
// Redis, with the same games and the same phases:
//   ours    this system's timer monitor (production defaults)
//   cron    the replaced design: a 10 s cron poll under an advisory lock
//   bullmq  BullMQ delayed jobs
//   pgboss  pg-boss jobs scheduled with startAfter
// At each load (transitions per second), each contender gets fresh tables and
// rate x W games whose briefing ends at a uniformly random moment of a
// W-second window (after S seconds of set-up); every transition is the same
// compare-and-set UPDATE, so the same triggers write the same outbox and audit
// rows. Each contender runs in its own process (its CPU and RSS are its own);
// PostgreSQL's and Redis's CPU come from /proc over the same interval.
// Flags: --compare-rates=150,600 --compare-window=20 --compare-setup=10
//        --contenders=ours,cron,bullmq,pgboss --bullmq-concurrency=20 --pgboss-poll-ms=500
import { createConnection } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, startRedisServer } from '@sketchyaf/local-servers';
import { timerMonitorNodeFlags } from '@sketchyaf/timer-monitor';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { cpuSecondsOf, treeCpuSeconds } from './lib/procStats.ts';
import { ms, percentile, table } from './lib/stats.ts';
import {
  briefingTransitions,
  createWaitingGames,
  postmasterPid,
  resetGames,
  startWaitingGames,
} from './lib/timerGames.ts';
import { startTimerWorker } from './lib/timerWorkerClient.ts';

const sleep = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, t));

export interface ContenderResult {
  name: string;
  description: string;
  rate: number;
  transitions: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  dbP99: number;
  /** Transitions per second from the first deadline to the last commit. */
  throughput: number;
  /** CPU seconds over the run: the contender's process, PostgreSQL (all its processes), Redis. */
  cpu: number;
  pgCpu: number;
  redisCpu: number;
  rssPeak: number;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
function ratio(theirs: number, ours: number): string {
  const r = theirs / ours;
  if (!Number.isFinite(r)) return 'n/a';
  return `${r.toFixed(r >= 100 ? 0 : r >= 10 ? 1 : 2)}x`;
}

/** FLUSHALL over a raw RESP connection (no client library needed for one command). */
async function flushRedis(redisUrl: string): Promise<void> {
  const url = new URL(redisUrl);
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write('*1\r\n$8\r\nFLUSHALL\r\n');
    });
    socket.once('data', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

export function printComparison(results: readonly ContenderResult[]): void {
  for (const rate of [...new Set(results.map((r) => r.rate))]) {
    const atRate = results.filter((r) => r.rate === rate);
    const ours = atRate.find((r) => r.name === 'ours');
    console.log(`\n${rate} transitions/s offered (${atRate[0]?.expected ?? 0} games):`);
    console.log(
      table([
        [
          'contender',
          'transitions',
          'lag p50',
          'lag p99',
          'lag max',
          'db-side p99',
          'achieved/s',
          'CPU process',
          'CPU PostgreSQL',
          'CPU Redis',
          'RSS peak',
        ],
        ...atRate.map((r) => [
          r.name,
          `${r.transitions}${r.transitions < r.expected ? ` of ${r.expected}` : ''}`,
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          ms(r.dbP99),
          r.throughput.toFixed(0),
          `${r.cpu.toFixed(1)} s`,
          `${r.pgCpu.toFixed(1)} s`,
          `${r.redisCpu.toFixed(1)} s`,
          mib(r.rssPeak),
        ]),
      ]),
    );
    if (!ours) continue;
    console.log('ratios to ours (theirs / ours; above 1: ours is lower, i.e. better for lag, CPU and RSS)');
    console.log(
      table([
        [
          'contender',
          'lag p50',
          'lag p99',
          'lag max',
          'achieved/s',
          'CPU process',
          'CPU PG+Redis',
          'RSS peak',
        ],
        ...atRate
          .filter((r) => r !== ours)
          .map((r) => [
            r.name,
            ratio(r.p50, ours.p50),
            ratio(r.p99, ours.p99),
            ratio(r.max, ours.max),
            ratio(r.throughput, ours.throughput),
            ratio(r.cpu, ours.cpu),
            ratio(r.pgCpu + r.redisCpu, ours.pgCpu + ours.redisCpu),
            ratio(r.rssPeak, ours.rssPeak),
          ]),
      ]),
    );
    const notBeaten = atRate.filter((r) => r !== ours && !(ours.p99 < r.p99));
    console.log(
      `ours beats every alternative on lag p99 at ${rate}/s: ${notBeaten.length === 0 ? 'yes' : `NO (${notBeaten.map((r) => r.name).join(', ')})`}`,
    );
  }
}

export async function compare(argv: string[]): Promise<ContenderResult[]> {
  const { values } = parseArgs({
    args: argv.filter((a) => a.startsWith('--')),
    options: {
      'compare-rates': { type: 'string', default: '150,600' },
      'compare-window': { type: 'string', default: '20' },
      'compare-setup': { type: 'string', default: '10' },
      contenders: { type: 'string', default: 'ours,cron,bullmq,pgboss' },
      'bullmq-concurrency': { type: 'string', default: '20' },
      'pgboss-poll-ms': { type: 'string', default: '500' },
    },
    strict: false,
  });
  const rates = String(values['compare-rates']).split(',').map(Number);
  const windowS = Number(values['compare-window']);
  const setupS = Number(values['compare-setup']);
  const names = String(values.contenders).split(',');
  console.log(
    `compare: at ${rates.join(' and ')} transitions/s, games' briefing deadlines spread over ${windowS} s after ${setupS} s of set-up; contenders ${names.join(', ')}`,
  );

  const server = await startBenchPostgres('compare');
  const redis = await startRedisServer({ port: await freePort() });
  const pool = new pg.Pool({ connectionString: server.url(), max: 4 });
  pool.on('error', () => undefined);
  const results: ContenderResult[] = [];
  try {
    const pgPid = await postmasterPid(pool);
    for (const rate of rates) {
      const games = rate * windowS;
      for (const name of names) {
        await resetGames(pool);
        await pool.query('VACUUM ANALYZE games');
        await flushRedis(redis.url);
        await createWaitingGames(pool, games, { minS: setupS, spreadS: windowS, phaseS: 60, rounds: 10 });
        const worker = await startTimerWorker(
          name,
          {
            databaseUrl: server.url(),
            redisUrl: redis.url,
            options:
              name === 'bullmq'
                ? { concurrency: Number(values['bullmq-concurrency']) }
                : name === 'pgboss'
                  ? { pollMs: Number(values['pgboss-poll-ms']) }
                  : {},
          },
          name === 'ours' ? timerMonitorNodeFlags : [],
        );
        try {
          console.log(`  ${rate}/s ${name}: ${worker.description}`);
          const started = Date.now();
          await startWaitingGames(pool);
          await worker.begin();
          await worker.mark();
          const pgBefore = treeCpuSeconds(pgPid);
          const redisBefore = cpuSecondsOf(redis.pid);
          const lastDeadline = started + (setupS + windowS) * 1000;
          const giveUp = lastDeadline + 90_000;
          for (;;) {
            await sleep(1000);
            const done = (await briefingTransitions(pool)).n;
            if ((done >= games && Date.now() > lastDeadline) || Date.now() > giveUp) break;
          }
          await sleep(500); // the last commits' acknowledgements reach the contender
          const report = await worker.collect();
          const pgCpu = treeCpuSeconds(pgPid) - pgBefore;
          const redisCpu = cpuSecondsOf(redis.pid) - redisBefore;
          const db = await briefingTransitions(pool);
          // Only the briefing deadlines of the window: a contender that fell far behind may
          // have reached some games' next deadline (60 s later) too.
          const served = report.transitions.filter(([deadline]) => deadline < lastDeadline + 30_000);
          const lags = served.map(([, lag]) => lag);
          const first = Math.min(...served.map(([deadline]) => deadline));
          const last = Math.max(...served.map(([deadline, lag]) => deadline + lag));
          results.push({
            name,
            description: worker.description,
            rate,
            transitions: lags.length,
            expected: games,
            p50: percentile(lags, 50),
            p99: percentile(lags, 99),
            max: lags.length > 0 ? Math.max(...lags) : Number.NaN,
            dbP99: db.p99,
            throughput: lags.length / ((last - first) / 1000),
            cpu: report.cpuSeconds,
            pgCpu,
            redisCpu,
            rssPeak: report.rssPeak,
          });
        } finally {
          await worker.stop();
        }
      }
    }
  } finally {
    await pool.end();
    await redis.stop();
    await server.stop();
  }
  printComparison(results);
  return results;
}

export async function run(argv: string[]): Promise<void> {
  await compare(argv);
}
