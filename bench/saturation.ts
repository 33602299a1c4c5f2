// `npm run bench -- saturation`: single-event POST /v1/events at twice the sustainable rate.
//  1. sustainable rate: the most requests/s the broadcaster answers 202 (closed loop, autocannon,
//     --connections at once, enough to keep it busy; every answer waits for its commit)
//  2. open loop at --factor (2) times that rate: accepted p50/p99, refused (503 overloaded) p50/p99/max
//     Targets: accepted p99 <= 50 ms, refused p99 <= 10 ms; every accepted event written, no refused one.
// Its own PostgreSQL, pubnub-local and broadcaster (relay off) as child processes; the load from this
// process. Options: --seconds=10 (per phase), --connections=128, --factor=2, --rate=<req/s> (skips 1).
// The broadcaster takes INGEST_* from the environment, e.g. INGEST_QUEUE_MAX_WAIT_MS=10 npm run bench -- saturation.
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort } from '@sketchyaf/local-servers';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { child, stopChild, pubnubLocalChild } from './lib/children.ts';
import { openLoop, type Answer } from './lib/openLoop.ts';
import { cpuSecondsOf } from './lib/procStats.ts';
import { ms, summarize, table } from './lib/stats.ts';

const token = 'bench-token-0123456789abcdef';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const targets = { acceptedP99Ms: 50, refusedP99Ms: 10 };

/** Closed-loop events vote as p…, open-loop ones as o…: the rows of the open loop are counted alone. */
const event = (gameId: string, i: number, voter = 'p'): string =>
  JSON.stringify({
    type: 'vote_cast',
    gameId,
    data: { voterId: `${voter}${i % 8}`, drawingId: `d${i % 5}`, round: 1 },
  });

async function sustainableRate(url: string, games: readonly string[], seconds: number, connections: number) {
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: event(games[i++ % games.length] ?? '', i) }) }],
  });
  return { rps: result['2xx'] / seconds, p99: result.latency.p99, other: result.non2xx + result.errors };
}

/** Samples the broadcaster's write-queue depth every 50 ms while `work` runs; returns the deepest seen. */
async function deepestQueue<T>(
  metricsUrl: string,
  work: Promise<T>,
): Promise<{ result: T; maxQueued: number }> {
  let maxQueued = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const text = await (await fetch(metricsUrl)).text();
      const value = Number(
        /^sketchyaf_realtime_ingest_queue_events(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0,
      );
      maxQueued = Math.max(maxQueued, value);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    return { result: await work, maxQueued };
  } finally {
    done = true;
    await sampler;
  }
}

/**
 * Rows of the open loop alone: autocannon ends its run with requests in
 * flight, which the broadcaster still writes, so a count taken before the
 * open loop could not tell them apart.
 */
const openLoopRows = async (pool: pg.Pool): Promise<number> =>
  Number(
    (
      await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM realtime_outbox WHERE coalesce(payload->>'voterId', payload->'data'->>'voterId') LIKE 'o%'",
      )
    ).rows[0]?.n ?? 0,
  );

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv.filter((a) => a.startsWith('--')),
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '128' },
      factor: { type: 'string', default: '2' },
      rate: { type: 'string' },
    },
    strict: false,
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const factor = Number(values.factor);
  const procs: ChildProcess[] = [];
  const server = await startBenchPostgres('saturation');
  const pool = new pg.Pool({ connectionString: server.url(), max: 4 });
  pool.on('error', () => undefined); // idle clients cut when the server stops
  try {
    const pubnubPort = await freePort();
    procs.push(await pubnubLocalChild(pubnubPort));
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds) SELECT 1 FROM generate_series(1, 2000) RETURNING id',
    );
    const games = rows.map((r) => r.id);
    const port = await freePort();
    procs.push(
      await child(
        ['services/broadcaster/src/main.ts'],
        {
          APP_ENV: 'development',
          LOG_LEVEL: 'error',
          DATABASE_URL: server.url(),
          PUBNUB_ORIGIN: `http://127.0.0.1:${pubnubPort}`,
          PORT: String(port),
          BROADCAST_API_TOKENS: token,
          RELAY_ENABLED: 'false',
        },
        /listening on/,
      ),
    );
    const url = `http://127.0.0.1:${port}/v1/events`;

    console.log(`  1/2 sustainable rate: closed loop, ${connections} connections, ${seconds} s`);
    await sustainableRate(url, games, 2, connections); // warm-up
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    let sustainedQueue = Number.NaN;
    let rate = Number(values.rate);
    if (values.rate === undefined) {
      const measured = await deepestQueue(metricsUrl, sustainableRate(url, games, seconds, connections));
      rate = measured.result.rps;
      sustainedQueue = measured.maxQueued;
    }
    const offered = Math.round(rate * factor);

    console.log(`  2/2 open loop at ${offered} req/s (${factor} x ${rate.toFixed(0)}) for ${seconds} s`);
    const broadcasterPid = procs[procs.length - 1]?.pid ?? 0;
    const cpuBefore = {
      server: cpuSecondsOf(broadcasterPid),
      generator: process.cpuUsage(),
      at: performance.now(),
    };
    const {
      result: { answers, maxSendLagMs, sockets },
      maxQueued,
    } = await deepestQueue(
      metricsUrl,
      openLoop({
        url,
        rate: offered,
        seconds,
        headers,
        body: (i) => event(games[i % games.length] ?? '', i, 'o'),
      }),
    );
    const wallSeconds = (performance.now() - cpuBefore.at) / 1000;
    const generatorCpu = process.cpuUsage(cpuBefore.generator);
    const cpu = {
      server: (cpuSecondsOf(broadcasterPid) - cpuBefore.server) / wallSeconds,
      generator: (generatorCpu.user + generatorCpu.system) / 1e6 / wallSeconds,
    };
    const written = await openLoopRows(pool);
    const scrape = await (await fetch(metricsUrl)).text();
    const metric = (name: string, labels = ''): number =>
      Number(new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\S+)$`, 'm').exec(scrape)?.[1] ?? Number.NaN);
    const statements = metric('sketchyaf_realtime_ingest_commit_events_count');
    const broadcaster = {
      eventsPerStatement: metric('sketchyaf_realtime_ingest_commit_events_sum') / statements,
      statementMs:
        (1000 * metric('sketchyaf_realtime_ingest_commit_duration_seconds_sum', 'result="ok"')) /
        metric('sketchyaf_realtime_ingest_commit_duration_seconds_count', 'result="ok"'),
      loopLagP99Ms: 1000 * metric('nodejs_eventloop_lag_p99_seconds'),
      loopLagMaxMs: 1000 * metric('nodejs_eventloop_lag_max_seconds'),
      busyRetries: metric('sketchyaf_realtime_ingest_busy_retries_total'),
    };

    const pick = (keep: (a: Answer) => boolean): number[] => answers.filter(keep).map((a) => a.ms);
    const accepted = summarize(pick((a) => a.status === 202));
    const refused = summarize(pick((a) => a.status === 503 && a.code === 'overloaded'));
    const others = answers.filter((a) => a.status !== 202 && !(a.status === 503 && a.code === 'overloaded'));
    const otherKinds = new Map<string, number>();
    for (const a of others)
      otherKinds.set(`${a.status} ${a.code}`, (otherKinds.get(`${a.status} ${a.code}`) ?? 0) + 1);
    const acceptedOk = accepted.n > 0 && accepted.p99 <= targets.acceptedP99Ms;
    const refusedOk = refused.n === 0 || refused.p99 <= targets.refusedP99Ms;
    const writtenOk = written === accepted.n;
    const result = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

    console.log(
      table([
        ['answers', 'count', 'rate', 'p50', 'p99', 'max', 'target', ''],
        [
          '202 accepted',
          String(accepted.n),
          `${(accepted.n / seconds).toFixed(0)}/s`,
          ms(accepted.p50),
          ms(accepted.p99),
          ms(accepted.max),
          `p99 <= ${targets.acceptedP99Ms} ms`,
          result(acceptedOk),
        ],
        [
          '503 overloaded',
          String(refused.n),
          `${(refused.n / seconds).toFixed(0)}/s`,
          ms(refused.p50),
          ms(refused.p99),
          ms(refused.max),
          `p99 <= ${targets.refusedP99Ms} ms`,
          result(refusedOk),
        ],
        ['other', String(others.length), '', '', '', '', '0', others.length === 0 ? 'PASS' : 'FAIL'],
        ['outbox rows written', String(written), '', '', '', '', '= accepted', result(writtenOk)],
      ]),
    );
    console.log(
      `\n  sustainable ${rate.toFixed(0)} req/s, offered ${offered} req/s; generator at most ${maxSendLagMs.toFixed(1)} ms behind its schedule, ${sockets} sockets;` +
        ` CPU (cores): broadcaster ${cpu.server.toFixed(2)}, generator ${cpu.generator.toFixed(2)}; load average ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      `  write queue, deepest seen (events): ${sustainedQueue} at the sustainable rate, ${maxQueued} at ${factor}x`,
    );
    console.log(
      `  broadcaster, whole run: ${statements} statements, ${broadcaster.eventsPerStatement.toFixed(1)} events and ${broadcaster.statementMs.toFixed(1)} ms each on average; event loop lag p99 ${broadcaster.loopLagP99Ms.toFixed(1)} ms, max ${broadcaster.loopLagMaxMs.toFixed(1)} ms; ${broadcaster.busyRetries} busy-game retries`,
    );
    if (otherKinds.size > 0)
      console.log(`  other answers: ${[...otherKinds].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
    const pass = acceptedOk && refusedOk && writtenOk && others.length === 0;
    console.log(`\n  saturation: ${pass ? 'PASS' : 'FAIL'}`);
  } finally {
    for (const proc of procs.reverse()) await stopChild(proc);
    await pool.end();
    await server.stop();
  }
}
