// The k6 scripts (load-tests/k6/*.ts) run in k6, not here: they are
// type-checked against @types/k6, and their thresholds are checked against
// the SLO table (docs/metrics.md) and the load-test table (docs/performance.md).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  abortDelay,
  endpointTag,
  guards,
  k6Options,
  knob,
  loadKnobs,
  scenarioNames,
  scenarioShapes,
  slo,
  summaryReport,
  summaryText,
  thresholdExpression,
  thresholdKey,
  thresholdsFor,
} from '../../load-tests/scenarios.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The expressions of one k6 threshold key, whether plain strings or objects. */
const expressions = (name: (typeof scenarioNames)[number], key: string, env = {}): string[] =>
  (k6Options(name, env).thresholds[key] ?? []).map((t) => (typeof t === 'string' ? t : t.threshold));
const read = (path: string): string => readFileSync(`${root}/${path}`, 'utf8');

/** The rows of the first markdown table after `heading`, as cells. */
export function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  assert.ok(start >= 0, `heading ${heading} not found`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows.slice(2); // header and separator
}

/** "p95 < 500 ms" -> 500, "p95 < 5 s" -> 5000, "< 0.5%" -> 0.5, "> 99.5%" -> 99.5. */
export function targetNumber(target: string): { op: string; value: number } {
  const m = /([<>]=?)\s*([\d.]+)\s*(ms|s|%)/.exec(target);
  assert.ok(m, `unreadable target ${target}`);
  const value = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
  return { op: m[1] ?? '', value };
}

describe('load tests: k6 scripts', function () {
  this.timeout(120_000);

  it('type-check against @types/k6 (tsc -p load-tests/k6/tsconfig.json)', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url));
    try {
      await promisify(execFile)(process.execPath, [tsc, '-p', 'load-tests/k6/tsconfig.json'], { cwd: root });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc over the k6 scripts failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  });

  it('one k6 script per scenario, whose options come from the shared definition', () => {
    const scripts = readdirSync(`${root}/load-tests/k6`).filter((f) => f.endsWith('.ts'));
    assert.deepEqual(scripts.sort(), scenarioNames.map((n) => `${n}.ts`).sort());
    for (const name of scenarioNames) {
      const text = read(`load-tests/k6/${name}.ts`);
      assert.match(text, new RegExp(`export const options: Options = k6Options\\('${name}', __ENV\\);`));
      assert.doesNotMatch(text, /thresholds\s*:/, `${name}.ts must not define thresholds of its own`);
    }
  });

  it('the SLO targets are those of the SLO table in docs/metrics.md', () => {
    const rows = tableAfter(read('docs/metrics.md'), '## SLOs');
    const target = (objective: string): { op: string; value: number } => {
      const row = rows.find((r) => r[0] === objective);
      assert.ok(row, `no SLO row "${objective}"`);
      return targetNumber(row[1] ?? '');
    };
    assert.deepEqual(target('trigger (event accepted by the API)'), { op: '<', value: slo.ingestP95Ms });
    assert.deepEqual(target('error rate'), { op: '<', value: slo.errorRatePct });
    assert.deepEqual(target('timer execution'), { op: '<', value: slo.timerLagP95Ms });
    assert.deepEqual(target('broadcast latency'), { op: '<', value: slo.broadcastP95Ms });
    assert.deepEqual(target('PubNub delivery'), { op: '>', value: slo.deliveryPct });
  });

  it('every scenario encodes the SLOs it exercises, in its k6 thresholds', () => {
    const shapes = scenarioShapes();
    const has = (name: (typeof scenarioNames)[number], key: string, expression: string): void => {
      const thresholds = expressions(name, key);
      assert.ok(
        thresholds.includes(expression),
        `${name}: ${key} ${expression} missing (has ${String(thresholds)})`,
      );
    };
    for (const s of [shapes.ingest, shapes.spike, shapes.soak]) {
      const tags = `{endpoint:${endpointTag(s.endpoint)},scenario:${s.name}}`;
      has(s.name, `http_req_duration${tags}`, `p(95)<${slo.ingestP95Ms}`);
      has(s.name, `http_req_duration${tags}`, `p(99)<${guards.ingestP99Ms}`);
      has(s.name, `http_req_failed${tags}`, `rate<${slo.errorRatePct / 100}`);
      assert.ok(expressions(s.name, `dropped_iterations{scenario:${s.name}}`)[0]?.startsWith('count<='));
    }
    has('lifecycle', 'lifecycle_timer_lag{scenario:lifecycle}', `p(95)<${slo.timerLagP95Ms}`);
    has('lifecycle', 'lifecycle_broadcast_latency{scenario:lifecycle}', `p(95)<${slo.broadcastP95Ms}`);
    has('lifecycle', 'lifecycle_delivery{scenario:lifecycle}', `rate>${slo.deliveryPct / 100}`);
    has('lifecycle', 'http_req_failed{endpoint:events,scenario:lifecycle}', `rate<${slo.errorRatePct / 100}`);
  });

  it('the load-test thresholds table in docs/performance.md lists exactly the k6 thresholds', () => {
    const documented = tableAfter(read('docs/performance.md'), '### Load-test thresholds').map(
      (r) => `${(r[1] ?? '').replace(/`/g, '')} ${(r[2] ?? '').replace(/`/g, '')}`,
    );
    const shapes = scenarioShapes();
    const coded = scenarioNames.flatMap((n) =>
      thresholdsFor(shapes[n]).map((t) => `${thresholdKey(t)} ${thresholdExpression(t)}`),
    );
    assert.deepEqual(documented.sort(), coded.sort());
  });

  it('the load-test workflow runs every k6 script, with the game backend stand-in and PubNub reachable', () => {
    const workflow = parse(read('.github/workflows/load-test.yaml')) as {
      jobs: Record<
        string,
        {
          steps: {
            uses?: string;
            run?: string;
            with?: Record<string, unknown>;
            env?: Record<string, unknown>;
          }[];
        }
      >;
    };
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const k6 = steps.find((s) => s.uses?.startsWith('grafana/run-k6-action@'));
    assert.match(String(k6?.with?.['path']), /load-tests\/k6\/\*\.ts/);
    for (const name of ['BROADCASTER_URL', 'API_TOKEN', 'GAME_BACKEND_URL', 'PUBNUB_URL'])
      assert.ok(k6?.env?.[name], `k6 step env ${name}`);
    const runs = steps.map((s) => s.run ?? '').join('\n');
    assert.match(runs, /load-tests\/gameBackend\/main\.ts/);
  });

  it('error rate and p95 latency stop a run when they fail (abortOnFail), after a delay', () => {
    for (const name of scenarioNames) {
      const aborting = Object.entries(k6Options(name).thresholds).flatMap(([key, list]) =>
        list.flatMap((t) => (typeof t === 'string' ? [] : [{ key, ...t }])),
      );
      assert.ok(
        aborting.some((t) => t.key.startsWith('http_req_failed{')),
        `${name}: the error rate aborts`,
      );
      for (const t of aborting) {
        assert.equal(t.abortOnFail, true);
        assert.equal(t.delayAbortEval, abortDelay);
      }
      if (name !== 'lifecycle')
        assert.ok(
          aborting.some((t) => t.key.startsWith('http_req_duration{') && t.threshold.startsWith('p(95)')),
        );
    }
  });

  it('rates, durations and game counts come from -e variables, and a bad one stops the run naming it', () => {
    const env = {
      LOAD_INGEST_RATE: '50',
      LOAD_INGEST_SECONDS: '600',
      LOAD_SPIKE_PEAK: '3000',
      LOAD_SOAK_RATE: '20',
      LOAD_LIFECYCLE_GAMES: '10',
      LOAD_LIFECYCLE_VUS: '20',
    };
    const shapes = scenarioShapes(env);
    assert.equal(shapes.ingest.rate, 50);
    assert.equal(shapes.ingest.durationS, 600);
    assert.equal(Math.max(...shapes.spike.stages.map((st) => st.target)), 3000);
    assert.ok(shapes.spike.maxVUs >= 2000, 'more VUs for a higher peak');
    assert.equal(shapes.soak.rate, 20);
    assert.deepEqual([shapes.lifecycle.games, shapes.lifecycle.vus], [10, 10]);
    const ingest = k6Options('ingest', env).scenarios['ingest'];
    assert.ok(ingest?.executor === 'constant-arrival-rate');
    assert.deepEqual([ingest.rate, ingest.duration], [50, '600s']);
    assert.equal(knob({}, 'LOAD_GAMES'), loadKnobs.LOAD_GAMES.default);
    for (const bad of ['x', '0', '-5', '1.5', '99999999'])
      assert.throws(
        () => scenarioShapes({ LOAD_INGEST_RATE: bad }),
        new RegExp(`LOAD_INGEST_RATE=${bad.replace('.', '\\.')}: want an integer`),
      );
  });

  it('every script has setup (preflight), teardown (cancels its games) and handleSummary', () => {
    for (const name of scenarioNames) {
      const text = read(`load-tests/k6/${name}.ts`);
      assert.match(text, /export function setup\(\): SetupData \{[^}]*preflight\('/, name);
      assert.match(text, /export function teardown\(data: SetupData\): void \{\s*cancelRun\(data\);/, name);
      assert.match(
        text,
        new RegExp(`export function handleSummary[^]*summaryFiles\\('${name}', data\\)`),
        name,
      );
    }
  });

  it('handleSummary reports every threshold verdict and the metrics, never a token', () => {
    const report = summaryReport(
      'ingest',
      {
        state: { testRunDurationMs: 41_400 },
        metrics: {
          'http_req_duration{endpoint:events,scenario:ingest}': {
            values: { 'p(95)': 612.5, 'p(99)': 800 },
            thresholds: { 'p(95)<500': { ok: false }, 'p(99)<1000': { ok: true } },
          },
          http_reqs: { values: { count: 12000, rate: 299.9 } },
        },
      },
      { broadcaster: 'https://realtime.staging.example.com' },
    );
    assert.equal(report.ok, false);
    assert.equal(report.durationS, 41);
    assert.deepEqual(report.thresholds, [
      { key: 'http_req_duration{endpoint:events,scenario:ingest}', expression: 'p(95)<500', ok: false },
      { key: 'http_req_duration{endpoint:events,scenario:ingest}', expression: 'p(99)<1000', ok: true },
    ]);
    assert.deepEqual(report.metrics['http_reqs'], { count: 12000, rate: 299.9 });
    const text = summaryText(report);
    assert.match(
      text,
      /^k6 ingest: 1 of 2 thresholds met in 41 s - BREACHED:\n {2}http_req_duration\{endpoint:events,scenario:ingest\} p\(95\)<500\n/,
    );
    assert.match(text, /http_reqs: count=12000 rate=299\.900/);
    const common = read('load-tests/k6/lib/common.ts');
    assert.doesNotMatch(common.slice(common.indexOf('export function summaryFiles')), /token/i);
  });

  it('the README gives the k6 run line against a real deployment, every -e of it known to the scripts', () => {
    const readme = read('load-tests/README.md');
    const line = /```sh\n(k6 run [^`]*?)```/.exec(readme)?.[1];
    assert.ok(line, 'a k6 run block');
    const names = [...line.matchAll(/-e ([A-Z_]+)=/g)].map((m) => m[1] ?? '');
    for (const name of [
      'BROADCASTER_URL',
      'API_TOKEN',
      'GAME_BACKEND_URL',
      'GAME_BACKEND_TOKEN',
      'PUBNUB_URL',
      'PUBNUB_SUBSCRIBE_KEY',
    ])
      assert.ok(names.includes(name), `-e ${name}`);
    const common = read('load-tests/k6/lib/common.ts');
    for (const name of names)
      assert.ok(common.includes(`'${name}'`) || name in loadKnobs, `${name} is read by the scripts`);
    assert.match(line, /load-tests\/k6\/[a-z]+\.ts/);
  });
});
