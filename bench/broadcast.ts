// `npm run bench -- broadcast`: the broadcaster against its targets, in one run.
//  1. ingest: POST /v1/events (durable: committed to the outbox) vs a bare Express hello world (target >= 0.5)
//  2. ingest p99 at half that load (target <= 25 ms)
//  3. relay drain rate vs raw keep-alive HTTP publishes to the same pubnub-local (target >= 0.8), with
//     each RELAY_PUBLISHER (undici, sdk), and each publisher's ceiling: the same envelopes through it alone, no database
//  4. commit -> PubNub-accepted p99 at 2,000 events/s (target <= 50 ms)
//  5. a burst: --burst-games (5,000) games change phase in one statement; commit -> last event
//     accepted (target <= 500 ms), p99 (<= 300 ms), and the same seen by an SDK subscriber on game.*
// Servers run as child processes (one core each at most), the load from this process. Options:
// --seconds=10 (per ingest phase), --relay-events=30000, --rate=2000, --connections=64,
// --burst-games=5000, --burst-latency-ms=0 (pubnub-local answers that much later during the burst, as
// a remote PubNub would; RELAY_* variables of this process reach the relay), --phases=ingest,relay,latency,burst (a subset keeps a run short);
// --publishers=sdk,undici (drained in that order; the last one relays phase 4);
// BENCH_CPU_PROF=<dir> writes the servers' CPU profiles there.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  createRelayPublisher,
  publisherKinds,
  type Envelope,
  type PublisherKind,
} from '@sketchyaf/broadcaster';
import { freePort } from '@sketchyaf/local-servers';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { child, stopChild, pubnubLocalChild } from './lib/children.ts';
import { phaseChangeBurst, type BurstFigures } from './lib/relayBurst.ts';
import { ms, summarize, table } from './lib/stats.ts';

const token = 'bench-token-0123456789abcdef';
const sleep = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, t));

function startBroadcaster(
  databaseUrl: string,
  pubnubUrl: string,
  port: number,
  relay: boolean,
  publisher: PublisherKind = 'undici',
): Promise<ChildProcess> {
  return child(
    ['services/broadcaster/src/main.ts'],
    {
      APP_ENV: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: databaseUrl,
      PUBNUB_ORIGIN: pubnubUrl,
      PORT: String(port),
      BROADCAST_API_TOKENS: token,
      RELAY_ENABLED: String(relay),
      RELAY_PUBLISHER: publisher,
    },
    /listening on/,
  );
}

const event = (gameId: string, i: number): string =>
  JSON.stringify({
    type: 'vote_cast',
    gameId,
    data: { voterId: `p${i % 8}`, drawingId: `d${i % 5}`, round: 1 },
  });

/** Max throughput (rate undefined) or a fixed rate; returns requests/s, p99 ms, and errors. */
async function load(
  url: string,
  options: { seconds: number; connections: number; rate?: number; games?: readonly string[]; batch?: number },
): Promise<{ rps: number; p50: number; p99: number; bad: number }> {
  let i = 0;
  const games = options.games;
  const batch = options.batch;
  const body = (): string =>
    batch === undefined
      ? event(games?.[i++ % games.length] ?? '', i)
      : `{"events":[${Array.from({ length: batch }, () => event(games?.[i++ % games.length] ?? '', i)).join(',')}]}`;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(games
      ? {
          method: 'POST' as const,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
        }
      : {}),
  });
  return {
    rps: result.requests.total / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
  };
}

async function publishedCount(pubnubUrl: string): Promise<number> {
  const stats = (await (await fetch(`${pubnubUrl}/admin/stats`)).json()) as { totals: { published: number } };
  return stats.totals.published;
}

/** Publishes/s from the first publish seen until `expected` more have been published. */
async function publishRate(
  pubnubUrl: string,
  expected: number,
  start: () => Promise<unknown>,
): Promise<number> {
  const base = await publishedCount(pubnubUrl);
  const started = start();
  let firstAt = 0;
  for (;;) {
    const n = (await publishedCount(pubnubUrl)) - base;
    if (n > 0 && firstAt === 0) firstAt = performance.now();
    if (n >= expected) break;
    await sleep(20);
  }
  const seconds = (performance.now() - firstAt) / 1000;
  await started;
  return expected / seconds;
}

/** Raw keep-alive HTTP GET publishes of the relay's own envelopes, `connections` at a time. */
async function rawPublishes(
  pubnubUrl: string,
  envelopes: readonly { channel: string; body: string }[],
  connections: number,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(pubnubUrl);
  let next = 0;
  const one = (e: { channel: string; body: string }): Promise<void> =>
    new Promise((resolve, reject) => {
      const path = `/publish/pub-c-local/sub-c-local/0/${encodeURIComponent(e.channel)}/0/${encodeURIComponent(e.body)}?uuid=raw`;
      http
        .get({ hostname, port, path, agent }, (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        })
        .on('error', reject);
    });
  const workers = Array.from({ length: connections }, async () => {
    for (let e = envelopes[next++]; e; e = envelopes[next++]) await one(e);
  });
  await Promise.all(workers);
  agent.destroy();
}

/**
 * The same envelopes through one of the relay's publishers (keep-alive,
 * `connections` at a time) and nothing else: no claim, no mark, no database.
 * What a relay on that publisher could reach on this machine.
 */
async function publisherAlone(
  kind: PublisherKind,
  pubnubUrl: string,
  envelopes: readonly { channel: string; body: string }[],
  connections: number,
): Promise<void> {
  const publisher = createRelayPublisher({
    kind,
    publishKey: 'pub-c-local',
    subscribeKey: 'sub-c-local',
    origin: new URL(pubnubUrl).host,
    ssl: false,
    userId: `bench-${kind}`,
    secretKey: null,
    timeoutMs: 10_000,
    rateLimitDefaultMs: 1000,
    connections,
    pipelining: 1,
  });
  let next = 0;
  const workers = Array.from({ length: connections }, async () => {
    for (let e = envelopes[next++]; e; e = envelopes[next++])
      await publisher.publish(e.channel, JSON.parse(e.body) as Envelope, e.body.length);
  });
  try {
    await Promise.all(workers);
  } finally {
    publisher.close();
  }
}

/**
 * Events committed at `rate`/s, measured from each commit's acknowledgement
 * to PubNub's timetoken of its publish. Every `tickMs` one statement commits
 * the events due since the last tick, each for another game (its next
 * sequence), as the ingest API's group commit or a timer batch would: one
 * commit per event cannot reach 2,000/s here (each commit that NOTIFYs holds
 * a cluster-wide lock through its WAL flush; ~1,050 such commits/s on this
 * machine, ~1,750 without the NOTIFY). Returns the latencies and the event
 * rate achieved.
 */
async function commitToAccepted(
  pool: pg.Pool,
  games: readonly string[],
  rate: number,
  seconds: number,
): Promise<{ lags: number[]; achieved: number }> {
  const tickMs = 10;
  const total = rate * seconds;
  const acked = new Map<string, number>();
  const startedWall = Date.now();
  const started = performance.now();
  const commits: Promise<void>[] = [];
  let sent = 0;
  for (let tick = 1; sent < total; tick += 1) {
    const wait = started + tick * tickMs - performance.now();
    if (wait > 1) await sleep(wait);
    const due = Math.min(total, Math.round((rate * tick * tickMs) / 1000));
    const ids = games.slice(sent % games.length, (sent % games.length) + (due - sent));
    sent += ids.length;
    commits.push(
      pool
        .query<{ event_id: string }>(
          `WITH s AS (UPDATE games SET last_event_sequence = last_event_sequence + 1
                      WHERE id = ANY($1::uuid[]) RETURNING id, last_event_sequence)
           INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
           SELECT id, last_event_sequence, 'vote_cast', 'game.' || id, $2::jsonb, 'bench', 'database' FROM s
           RETURNING event_id::text`,
          [ids, JSON.stringify({ voterId: 'p1', drawingId: 'd1', round: 1 })],
        )
        .then(({ rows }) => {
          const now = Date.now();
          for (const row of rows) acked.set(row.event_id, now);
        }),
    );
  }
  await Promise.all(commits);
  const achieved = acked.size / ((Math.max(...acked.values()) - startedWall) / 1000);
  const eventIds = [...acked.keys()];
  let rows: { event_id: string; tt: string | null }[] = [];
  for (let tries = 0; tries < 100; tries += 1) {
    ({ rows } = await pool.query<{ event_id: string; tt: string | null }>(
      'SELECT event_id::text, publish_timetoken::text AS tt FROM realtime_outbox WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    ));
    if (rows.every((r) => r.tt !== null)) break;
    await sleep(200);
  }
  const lags = rows
    .filter((r) => r.tt !== null)
    .map((r) => Number(BigInt(r.tt ?? '0') / 10_000n) - (acked.get(r.event_id) ?? 0));
  return { lags, achieved };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv.filter((a) => a.startsWith('--')),
    options: {
      seconds: { type: 'string', default: '10' },
      'relay-events': { type: 'string', default: '30000' },
      rate: { type: 'string', default: '2000' },
      connections: { type: 'string', default: '64' },
      'burst-games': { type: 'string', default: '5000' },
      'burst-latency-ms': { type: 'string', default: '0' },
      phases: { type: 'string', default: 'ingest,relay,latency,burst' },
      publishers: { type: 'string', default: 'sdk,undici' },
    },
    strict: false,
  });
  const seconds = Number(values.seconds);
  const relayEvents = Number(values['relay-events']);
  const rate = Number(values.rate);
  const connections = Number(values.connections);
  const burstGames = Number(values['burst-games']);
  const burstLatencyMs = Number(values['burst-latency-ms']);
  const phases = new Set(String(values.phases).split(','));
  const publishers = String(values.publishers)
    .split(',')
    .filter((p): p is PublisherKind => (publisherKinds as readonly string[]).includes(p));
  if (publishers.length === 0) throw new Error(`--publishers: one or more of ${publisherKinds.join(', ')}`);
  const procs: ChildProcess[] = [];
  const server = await startBenchPostgres('broadcast');
  const pool = new pg.Pool({ connectionString: server.url(), max: 32 });
  pool.on('error', () => undefined); // idle clients cut when the server stops
  try {
    const pubnubPort = await freePort();
    procs.push(await pubnubLocalChild(pubnubPort));
    const pubnubUrl = `http://127.0.0.1:${pubnubPort}`;
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds) SELECT 1 FROM generate_series(1, 2000) RETURNING id',
    );
    const games = rows.map((r) => r.id);

    const x = (a: number, b: number): string => (a / b).toFixed(2);
    const row = (cells: string[], target: string, ok: boolean): string[] => [
      ...cells,
      target,
      ok ? 'met' : 'MISSED',
    ];
    const results: string[][] = [['measure', 'value', 'baseline', 'ratio / figure', 'target', '']];
    const apiPort = await freePort();

    if (phases.has('ingest')) {
      console.log('  1/5 bare Express hello world (max throughput)');
      const helloPort = await freePort();
      const hello = await child(
        [
          '--input-type=module',
          '-e',
          `import express from 'express'; const app = express(); app.get('/', (_q, s) => s.send('Hello World!')); app.listen(${helloPort}, '127.0.0.1', () => console.log('listening on'));`,
        ],
        {},
        /listening on/,
      );
      const helloResult = await load(`http://127.0.0.1:${helloPort}/`, { seconds, connections });
      await stopChild(hello);

      console.log('  2/5 ingest POST /v1/events, durable (max throughput, then half of it)');
      const ingestOnly = await startBroadcaster(server.url(), pubnubUrl, apiPort, false);
      const apiUrl = `http://127.0.0.1:${apiPort}/v1/events`;
      await load(apiUrl, { seconds: 2, connections, games }); // warm-up
      const ingest = await load(apiUrl, { seconds, connections, games });
      const half = await load(apiUrl, { seconds, connections, games, rate: Math.round(ingest.rps / 2) });
      const batched = await load(`${apiUrl}/batch`, { seconds, connections: 16, games, batch: 50 });
      await stopChild(ingestOnly);
      const hrps = helloResult.rps;
      const base = `hello world ${hrps.toFixed(0)} req/s`;
      const many = batched.rps * 50;
      results.push(
        row(
          ['ingest events/s, 1 per request', ingest.rps.toFixed(0), base, x(ingest.rps, hrps)],
          '>= 0.5',
          ingest.rps >= hrps / 2,
        ),
        row(
          ['ingest events/s, 50 per request', many.toFixed(0), base, x(many, hrps)],
          '>= 0.5',
          many >= hrps / 2,
        ),
        row(
          ['ingest at half load', `${half.rps.toFixed(0)} req/s`, `p50 ${half.p50} ms`, `p99 ${half.p99} ms`],
          '<= 25 ms',
          half.p99 <= 25,
        ),
      );
      if (ingest.bad + half.bad + batched.bad + helloResult.bad > 0)
        console.log(
          `  note: non-2xx or errors: ingest ${ingest.bad}, half ${half.bad}, batched ${batched.bad}, hello ${helloResult.bad}`,
        );
    }

    let relayProc: ChildProcess | undefined;
    if (phases.has('relay')) {
      console.log(`  3/5 relay: drain ${relayEvents} events vs raw keep-alive publishes`);
      if (!phases.has('ingest'))
        await pool.query(
          `WITH s AS (UPDATE games SET last_event_sequence = last_event_sequence + $3
                      WHERE id = ANY($1::uuid[]) RETURNING id, last_event_sequence)
           INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
           SELECT id, last_event_sequence - $3 + g, 'vote_cast', 'game.' || id, $2::jsonb, 'bench', 'database'
           FROM s, generate_series(1, $3::int) AS g ORDER BY g, id`,
          [
            games,
            JSON.stringify({ voterId: 'p1', drawingId: 'd1', round: 1 }),
            Math.ceil(relayEvents / games.length),
          ],
        );
      await pool.query(
        `UPDATE realtime_outbox SET published_at = now()
         WHERE published_at IS NULL AND id <= (SELECT max(id) - $1 FROM realtime_outbox)`,
        [relayEvents],
      );
      const sample = await pool.query<{ id: string; channel: string; body: string }>(
        `SELECT id::text, channel, json_build_object('version', '2.0.0', 'eventId', event_id, 'type', type, 'gameId', game_id,
                'sequence', sequence, 'occurredAt', occurred_at, 'requestId', request_id, 'source', source, 'data', payload)::text AS body
         FROM realtime_outbox WHERE published_at IS NULL ORDER BY id`,
      );
      // Each publisher drains the same events; the last one keeps relaying for the later phases.
      const relayRates = new Map<PublisherKind, number>();
      for (const [index, kind] of publishers.entries()) {
        if (index > 0) {
          if (relayProc) await stopChild(relayProc);
          await pool.query(
            'UPDATE realtime_outbox SET published_at = NULL, publish_timetoken = NULL, attempts = 0 WHERE id = ANY($1::bigint[])',
            [sample.rows.map((r) => r.id)],
          );
        }
        relayRates.set(
          kind,
          await publishRate(pubnubUrl, sample.rows.length, async () => {
            relayProc = await startBroadcaster(server.url(), pubnubUrl, apiPort, true, kind);
          }),
        );
      }
      const envelopes = sample.rows.map((r) => ({
        channel: r.channel,
        body: JSON.stringify(JSON.parse(r.body)),
      }));
      const rawRate = await publishRate(pubnubUrl, envelopes.length, () =>
        rawPublishes(pubnubUrl, envelopes, connections),
      );
      const aloneRates = new Map<PublisherKind, number>();
      for (const kind of publishers)
        aloneRates.set(
          kind,
          await publishRate(pubnubUrl, envelopes.length, () =>
            publisherAlone(kind, pubnubUrl, envelopes, connections),
          ),
        );
      results.push(
        ...[...relayRates].map(([kind, relayRate]) =>
          row(
            [
              `relay publishes/s, RELAY_PUBLISHER=${kind}`,
              relayRate.toFixed(0),
              `raw ${rawRate.toFixed(0)}/s`,
              x(relayRate, rawRate),
            ],
            '>= 0.8',
            relayRate >= rawRate * 0.8,
          ),
        ),
        ...[...aloneRates].map(([kind, aloneRate]) => [
          `${kind} publisher alone, no database (ceiling)`,
          aloneRate.toFixed(0),
          `raw ${rawRate.toFixed(0)}/s`,
          x(aloneRate, rawRate),
          '',
          '',
        ]),
      );
    }
    if (!relayProc && (phases.has('latency') || phases.has('burst'))) {
      // Nothing left over for the relay: the latency and burst phases start from an empty outbox.
      await pool.query('UPDATE realtime_outbox SET published_at = now() WHERE published_at IS NULL');
      relayProc = await startBroadcaster(server.url(), pubnubUrl, apiPort, true, publishers.at(-1));
    }
    if (relayProc) procs.push(relayProc);

    if (phases.has('latency')) {
      console.log(`  4/5 commit -> PubNub accepted at ${rate} events/s for ${seconds} s`);
      await sleep(1000);
      const committed = await commitToAccepted(pool, games, rate, seconds);
      const lag = summarize(committed.lags);
      results.push(
        row(
          [
            `commit -> accepted @ ${rate}/s (${publishers.at(-1) ?? ''})`,
            `n=${lag.n}, ${committed.achieved.toFixed(0)}/s achieved`,
            `p50 ${ms(lag.p50)}`,
            `p99 ${ms(lag.p99)} (max ${ms(lag.max)})`,
          ],
          '<= 50 ms',
          lag.p99 <= 50 && committed.achieved >= rate * 0.95,
        ),
      );
    }

    if (phases.has('burst')) {
      console.log(`  5/5 burst: ${burstGames} games change phase in one statement`);
      await sleep(1000);
      const burst: BurstFigures = await phaseChangeBurst(
        pool,
        new URL(pubnubUrl).host,
        burstGames,
        burstLatencyMs,
      );
      const { accepted: a, received: r } = burst;
      const complete = a.n === burst.games;
      results.push(
        row(
          [
            `burst of ${burst.games}${burst.latencyMs > 0 ? ` (+${burst.latencyMs} ms RTT)` : ''}: commit -> last accepted`,
            `n=${a.n}, statement ${ms(burst.statementMs)}`,
            `p50 ${ms(a.p50)}`,
            `p99 ${ms(a.p99)}, last ${ms(a.max)}`,
          ],
          'p99 <= 300 ms, last <= 500 ms',
          complete && a.p99 <= 300 && a.max <= 500,
        ),
        [
          `burst of ${burst.games}: commit -> SDK subscriber (game.*)`,
          `n=${r.n}`,
          `p50 ${ms(r.p50)}`,
          `p99 ${ms(r.p99)}, last ${ms(r.max)}`,
          '(reported)',
          '',
        ],
      );
    }

    console.log('  done\n');
    console.log(table(results));
  } finally {
    for (const proc of procs.reverse()) await stopChild(proc);
    await pool.end();
    await server.stop();
  }
}
