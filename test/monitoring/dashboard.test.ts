// k8s/monitoring/dashboards/sketchyaf-realtime.json: what
// scripts/monitoring/buildDashboard.ts writes, a sound Grafana layout, and
// queries that are valid PromQL (promtool) naming only documented metrics.
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { dashboardPath, renderDashboard } from '../../scripts/monitoring/buildDashboard.ts';
import { isDocumented, isStandardMetric, loadCatalogue } from './support/catalogue.ts';
import { metricNames } from './support/promql.ts';
import { findTool, run } from './support/tools.ts';
import { asArray, asRecord, asString } from './support/yamlData.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  description: string;
  grid: { h: number; w: number; x: number; y: number };
  exprs: string[];
}

async function loadDashboard(): Promise<{
  json: Record<string, unknown>;
  panels: Panel[];
  variables: string[];
}> {
  const json = asRecord(JSON.parse(await readFile(dashboardPath, 'utf8')), dashboardPath);
  const panels = asArray(json['panels'], 'panels').map((p, i) => {
    const panel = asRecord(p, `panels[${i}]`);
    const grid = asRecord(panel['gridPos'], `panels[${i}].gridPos`);
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    return {
      id: num(panel['id']),
      type: asString(panel['type'], `panels[${i}].type`),
      title: asString(panel['title'], `panels[${i}].title`),
      description: typeof panel['description'] === 'string' ? panel['description'] : '',
      grid: { h: num(grid['h']), w: num(grid['w']), x: num(grid['x']), y: num(grid['y']) },
      exprs: asArray(panel['targets'] ?? [], `panels[${i}].targets`).map((t) =>
        asString(asRecord(t, 'target')['expr'], `panels[${i}].targets[].expr`),
      ),
    };
  });
  const templating = asRecord(json['templating'], 'templating');
  const variables = asArray(templating['list'], 'templating.list').flatMap((v) => {
    const variable = asRecord(v, 'variable');
    return typeof variable['definition'] === 'string' ? [variable['definition']] : [];
  });
  return { json, panels, variables };
}

/** A query with Grafana's variables replaced, for promtool. */
function concrete(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', 'sketchyaf-realtime');
}

describe('monitoring: Grafana dashboard', function () {
  this.timeout(60_000);

  it('is what scripts/monitoring/buildDashboard.ts writes (run it after changing the panels)', async () => {
    assert.equal(await readFile(dashboardPath, 'utf8'), await renderDashboard());
  });

  it('is a dashboard with unique panel ids, titled and described panels, and no overlapping panels', async () => {
    const { json, panels } = await loadDashboard();
    assert.equal(json['uid'], 'sketchyaf-realtime');
    assert.equal(typeof json['title'], 'string');
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids must be unique');
    const problems: string[] = [];
    for (const p of panels) {
      if (p.type === 'row') continue;
      if (p.description === '') problems.push(`${p.title}: no description`);
      if (p.exprs.length === 0) problems.push(`${p.title}: no query`);
      if (p.grid.x < 0 || p.grid.x + p.grid.w > 24) problems.push(`${p.title}: outside the 24 columns`);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.grid.x < b.grid.x + b.grid.w &&
          b.grid.x < a.grid.x + a.grid.w &&
          a.grid.y < b.grid.y + b.grid.h &&
          b.grid.y < a.grid.y + a.grid.h;
        if (overlap) problems.push(`"${a.title}" overlaps "${b.title}"`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('has the overview, performance, resources and game activity sections', async () => {
    const { panels } = await loadDashboard();
    const rows = panels.filter((p) => p.type === 'row').map((p) => p.title);
    for (const row of ['Overview', 'Performance (SLOs)', 'Coordination', 'Resources', 'Game activity']) {
      assert.ok(rows.includes(row), `no row "${row}" (rows: ${rows.join(', ')})`);
    }
    const exprs = panels.flatMap((p) => p.exprs);
    assert.ok(
      exprs.some(
        (e) => e.includes('sketchyaf_realtime_timer_transitions_total') && e.includes('to="completed"'),
      ),
      'games completed: timed transitions to completed',
    );
    assert.ok(
      exprs.some((e) => e.includes('sketchyaf_realtime_timer_phase_duration_seconds_bucket')),
      'phase durations',
    );
  });

  it('queries only metrics in docs/metrics.md or standard ones', async () => {
    const { panels, variables } = await loadDashboard();
    const catalogue = await loadCatalogue();
    const unknown: string[] = [];
    const queries = [
      ...panels.flatMap((p) => p.exprs.map((expr) => ({ where: p.title, expr }))),
      // label_values(<selector>, <label>)
      ...variables.map((v) => ({
        where: 'variable',
        expr: v.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
      })),
    ];
    for (const { where, expr } of queries) {
      for (const name of metricNames(expr)) {
        if (!isStandardMetric(name) && !isDocumented(name, catalogue)) unknown.push(`${where}: ${name}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('queries in valid PromQL (promtool check rules)', async () => {
    const promtool = await findTool('promtool');
    const { panels } = await loadDashboard();
    const exprs = panels.flatMap((p) => p.exprs);
    const rules = exprs.map((expr, i) => ({ record: `dashboard_query_${i}`, expr: concrete(expr) }));
    const dir = await mkdtemp(join(tmpdir(), 'sketchyaf-dashboard-'));
    try {
      const file = join(dir, 'queries.yaml');
      await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = await run(promtool, ['check', 'rules', file]);
      assert.equal(result.code, 0, `promtool rejected a dashboard query:\n${result.stdout}${result.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
