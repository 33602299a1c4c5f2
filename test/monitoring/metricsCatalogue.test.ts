// docs/metrics.md against the code: every metric a factory defines is listed
// as existing with its type and labels, every existing row is defined, and the
// recording rule table matches alert-rules.yaml.
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpMetricsMiddleware } from '../../packages/core/src/http/httpMetrics.ts';
import { createMetricsRegistry } from '../../packages/core/src/metrics/registry.ts';
import { loadCatalogue } from './support/catalogue.ts';
import { repoRoot } from './support/paths.ts';
import { loadRules } from './support/rules.ts';
import { isRecord } from './support/yamlData.ts';

type Registry = ReturnType<typeof createMetricsRegistry>;

interface CodeMetric {
  name: string;
  type: string;
  labels: string[];
  source: string;
}

/** services/<name>/src/metrics.ts and packages/<name>/src/**\/*Metrics.ts (the HTTP middleware aside). */
async function metricModules(): Promise<string[]> {
  const files: string[] = [];
  for (const top of ['services', 'packages']) {
    for (const entry of await readdir(join(repoRoot, top), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const src = join(repoRoot, top, entry.name, 'src');
      let all: string[];
      try {
        all = await readdir(src, { recursive: true });
      } catch {
        continue;
      }
      for (const file of all) {
        const base = file.split('/').pop() ?? '';
        const isServiceMetrics = top === 'services' && file === 'metrics.ts';
        const isPackageMetrics = top === 'packages' && /Metrics\.ts$/.test(base) && base !== 'httpMetrics.ts';
        if (isServiceMetrics || isPackageMetrics) files.push(join(src, file));
      }
    }
  }
  return files.sort();
}

async function collect(registry: Registry, source: string): Promise<CodeMetric[]> {
  const out: CodeMetric[] = [];
  for (const m of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(m.name);
    const labelNames: unknown = metric ? Reflect.get(metric, 'labelNames') : undefined;
    const labels = Array.isArray(labelNames)
      ? labelNames.filter((l): l is string => typeof l === 'string')
      : [];
    out.push({ name: m.name, type: String(m.type), labels: [...labels].sort(), source });
  }
  return out;
}

/** Every metric the code defines, by calling each create*Metrics(registry) factory on a fresh registry. */
async function codeMetrics(): Promise<CodeMetric[]> {
  const metrics: CodeMetric[] = [];
  const http = createMetricsRegistry({ service: 'catalogue', collectDefaults: false });
  httpMetricsMiddleware(http);
  metrics.push(...(await collect(http, 'packages/core/src/http/httpMetrics.ts')));
  for (const file of await metricModules()) {
    const mod: unknown = await import(pathToFileURL(file).href);
    if (!isRecord(mod)) continue;
    for (const [name, value] of Object.entries(mod)) {
      if (!/^create\w*Metrics$/.test(name) || typeof value !== 'function') continue;
      const registry = createMetricsRegistry({ service: 'catalogue', collectDefaults: false });
      (value as (registry: Registry) => unknown)(registry);
      metrics.push(...(await collect(registry, `${file.slice(repoRoot.length)}: ${name}`)));
    }
  }
  return metrics;
}

describe('monitoring: metric catalogue (docs/metrics.md)', function () {
  this.timeout(60_000);

  it('has one well-formed row per metric', async () => {
    const { metrics } = await loadCatalogue();
    assert.ok(metrics.length >= 40, `only ${metrics.length} metrics parsed from docs/metrics.md`);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const m of metrics) {
      if (seen.has(m.name)) problems.push(`${m.name}: listed twice`);
      seen.add(m.name);
      for (const [field, value] of Object.entries({ unit: m.unit, meaning: m.meaning, owner: m.owner })) {
        if (value === '') problems.push(`${m.name}: empty ${field}`);
      }
      if (m.type === 'counter' && !m.name.endsWith('_total'))
        problems.push(`${m.name}: a counter's name ends in _total`);
      if (m.type !== 'counter' && m.name.endsWith('_total'))
        problems.push(`${m.name}: only counters end in _total`);
    }
    assert.deepEqual(problems, []);
  });

  it('lists every metric the code defines as existing, with its type and labels', async () => {
    const { metrics } = await loadCatalogue();
    const code = await codeMetrics();
    assert.ok(code.length >= 30, `only ${code.length} metrics found in the code`);
    const problems: string[] = [];
    for (const c of code) {
      const row = metrics.find((m) => m.name === c.name);
      if (!row) {
        problems.push(`${c.name} (${c.source}) is not in docs/metrics.md`);
        continue;
      }
      if (row.status !== 'existing')
        problems.push(`${c.name}: defined in ${c.source}, but listed as ${row.status}`);
      if (row.type !== c.type)
        problems.push(`${c.name}: ${c.type} in the code, ${row.type} in docs/metrics.md`);
      const documented = [...row.labels].sort();
      if (documented.join(',') !== c.labels.join(',')) {
        problems.push(
          `${c.name}: labels [${c.labels.join(', ')}] in the code, [${documented.join(', ')}] in docs/metrics.md`,
        );
      }
    }
    for (const row of metrics) {
      if (row.status === 'existing' && !code.some((c) => c.name === row.name)) {
        problems.push(`${row.name}: listed as existing, but no metric factory defines it`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('lists exactly the recording rules of alert-rules.yaml', async () => {
    const { recordingRules } = await loadCatalogue();
    const { records } = await loadRules();
    // One name may be recorded by several rules, one per value of a label (the error budgets' `slo`).
    assert.deepEqual([...recordingRules].sort(), [...new Set(records.map((r) => r.record))].sort());
  });
});
