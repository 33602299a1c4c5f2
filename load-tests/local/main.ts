// `npm run load [-- --scenarios=ingest,spike] [--soak-seconds=90] [--target|--start]`:
// the k6 scenarios of load-tests/scenarios.ts, run from Node with autocannon
// (arrival scenarios) and fetch (the game lifecycle) against the local stack,
// with the same thresholds and k6-style verdicts. Exits 1 on any breach.
// Stack: the running one if its broadcaster answers BROADCASTER_URL/readyz
// (default http://127.0.0.1:8080), else a fresh `npm start` (see stack.ts).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startGameBackend } from '../gameBackend/gameBackend.ts';
import {
  endpointTag,
  ingestGames,
  scenarioNames,
  scenarioShapes,
  thresholdKey,
  lifecycleMetrics,
  type ArrivalScenario,
  type Lifecycle,
  type ScenarioName,
} from '../scenarios.ts';
import { runArrival } from './arrival.ts';
import { runLifecycle } from './lifecycle.ts';
import { useStack } from './stack.ts';
import { percentile } from './stats.ts';
import { formatVerdicts, verdicts, type Measurement, type Verdict } from './verdicts.ts';

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: scenarioNames.join(',') },
    'soak-seconds': { type: 'string' },
    target: { type: 'boolean', default: false },
    start: { type: 'boolean', default: false },
  },
  strict: true,
});
const env = { ...process.env };
if (values['soak-seconds'] !== undefined) env['LOAD_SOAK_SECONDS'] = values['soak-seconds'];
const shapes = scenarioShapes(env);
const names = values.scenarios.split(',').filter((n) => n !== '');
const unknown = names.filter((n) => !(scenarioNames as readonly string[]).includes(n));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarioNames.join(', ')}`);
  process.exit(2);
}
const print = (line: string): void => {
  console.log(line);
};
const fmt = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : `${ms.toFixed(1)} ms`);

/** Waits (at most `seconds`) until the relay has published every outbox event, so scenarios do not overlap. */
async function settle(pool: pg.Pool, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND dead_lettered_at IS NULL',
    );
    const n = rows[0]?.n ?? 0;
    if (n === 0) return;
    if (Date.now() > until) {
      print(`  (relay backlog still ${n} events after ${seconds} s; going on)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function arrival(
  s: ArrivalScenario,
  target: Parameters<typeof runArrival>[1],
): Promise<Map<string, Measurement>> {
  const r = await runArrival(s, target);
  const tags = { scenario: s.name, endpoint: endpointTag(s.endpoint) };
  print(
    `  ${r.total} requests (${r.planned} planned, ${r.dropped} not started), ${r.failed} failed; latency p50 ${fmt(percentile(r.latenciesMs, 50))}, p95 ${fmt(percentile(r.latenciesMs, 95))}, p99 ${fmt(percentile(r.latenciesMs, 99))}, max ${fmt(Math.max(...r.latenciesMs))}`,
  );
  return new Map<string, Measurement>([
    [thresholdKey({ metric: 'http_req_duration', tags }), { kind: 'trend', values: r.latenciesMs }],
    [thresholdKey({ metric: 'http_req_failed', tags }), { kind: 'rate', hits: r.failed, total: r.total }],
    [
      thresholdKey({ metric: 'dropped_iterations', tags: { scenario: s.name } }),
      { kind: 'count', count: r.dropped },
    ],
  ]);
}

async function lifecycle(
  s: Lifecycle,
  target: Parameters<typeof runLifecycle>[1],
): Promise<Map<string, Measurement>> {
  const r = await runLifecycle(s, target);
  for (const problem of r.problems.slice(0, 10)) print(`  ! ${problem}`);
  print(
    `  ${r.games} games, ${r.gamesOk} ok; ${r.delivered} of ${r.expected} events delivered; timer lag p50 ${fmt(percentile(r.timerLagsMs, 50))}, p95 ${fmt(percentile(r.timerLagsMs, 95))}, max ${fmt(Math.max(...r.timerLagsMs))}; broadcast latency p50 ${fmt(percentile(r.broadcastLatenciesMs, 50))}, p95 ${fmt(percentile(r.broadcastLatenciesMs, 95))}; POST /v1/events p95 ${fmt(percentile(r.eventLatenciesMs, 95))}`,
  );
  const tags = { scenario: s.name };
  return new Map<string, Measurement>([
    [
      thresholdKey({ metric: 'http_req_failed', tags: { ...tags, endpoint: 'events' } }),
      { kind: 'rate', hits: r.eventFailures, total: r.eventRequests },
    ],
    [thresholdKey({ metric: lifecycleMetrics.timerLag, tags }), { kind: 'trend', values: r.timerLagsMs }],
    [
      thresholdKey({ metric: lifecycleMetrics.broadcastLatency, tags }),
      { kind: 'trend', values: r.broadcastLatenciesMs },
    ],
    [
      thresholdKey({ metric: lifecycleMetrics.delivery, tags }),
      { kind: 'rate', hits: r.delivered, total: r.expected },
    ],
    [
      thresholdKey({ metric: lifecycleMetrics.gamesOk, tags }),
      { kind: 'rate', hits: r.gamesOk, total: r.games },
    ],
  ]);
}

const began = Date.now();
const stack = await useStack(env, print, values.target ? 'target' : values.start ? 'start' : 'auto');
const backend = await startGameBackend({ databaseUrl: stack.databaseUrl, port: 0 });
const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
pool.on('error', () => undefined);
const all: Verdict[] = [];
try {
  print(`game backend stand-in (test only): ${backend.url}`);
  const created = await fetch(`${backend.url}/games`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: ingestGames }),
  });
  const { gameIds } = (await created.json()) as { gameIds: string[] };
  print(`setup: ${gameIds.length} games for the arrival scenarios`);

  for (const name of names as ScenarioName[]) {
    const s = shapes[name];
    await settle(pool, 60);
    print(`\nscenario ${name}: ${s.description}`);
    const measured =
      s.executor === 'shared-iterations'
        ? await lifecycle(s, {
            broadcasterUrl: stack.broadcasterUrl,
            token: stack.token,
            gameBackendUrl: backend.url,
            pubnubUrl: stack.pubnubUrl,
            subscribeKey: stack.subscribeKey,
          })
        : await arrival(s, { broadcasterUrl: stack.broadcasterUrl, token: stack.token, gameIds });
    const list = verdicts(s, measured);
    print(formatVerdicts(list));
    all.push(...list);
  }
} finally {
  await pool.end();
  await backend.stop();
  await stack.stop();
}
const breached = all.filter((v) => !v.ok);
print(
  `\nload: ${all.length - breached.length} of ${all.length} thresholds met${breached.length > 0 ? `, BREACHED: ${breached.map((v) => `${v.key} ${v.expression}`).join('; ')}` : ''} (${((Date.now() - began) / 1000).toFixed(0)} s)`,
);
process.exitCode = breached.length > 0 ? 1 : 0;
