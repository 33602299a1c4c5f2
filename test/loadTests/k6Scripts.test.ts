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
  endpointTag,
  guards,
  k6Options,
  scenarioNames,
  scenarioShapes,
  slo,
  thresholdExpression,
  thresholdKey,
  thresholdsFor,
} from '../../load-tests/scenarios.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
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
      const thresholds = k6Options(name).thresholds[key];
      assert.ok(
        thresholds?.includes(expression),
        `${name}: ${key} ${expression} missing (has ${String(thresholds)})`,
      );
    };
    for (const s of [shapes.ingest, shapes.spike, shapes.soak]) {
      const tags = `{endpoint:${endpointTag(s.endpoint)},scenario:${s.name}}`;
      has(s.name, `http_req_duration${tags}`, `p(95)<${slo.ingestP95Ms}`);
      has(s.name, `http_req_duration${tags}`, `p(99)<${guards.ingestP99Ms}`);
      has(s.name, `http_req_failed${tags}`, `rate<${slo.errorRatePct / 100}`);
      assert.ok(
        k6Options(s.name).thresholds[`dropped_iterations{scenario:${s.name}}`]?.[0]?.startsWith('count<='),
      );
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
});
