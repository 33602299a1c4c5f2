// docs/reliability.md is on-call's map of faults: it must name real files, and
// every fault scenario the suite runs must have its row.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const page = readFileSync(`${root}docs/reliability.md`, 'utf8');

describe('docs/reliability.md', () => {
  it('names only files that exist', () => {
    const paths = [...page.matchAll(/`((?:packages|services|test|runbooks|docs)\/[\w./-]+)`/g)].map(
      (m) => m[1],
    );
    assert.ok(paths.length > 20, `only ${paths.length} paths found`);
    const missing = paths.filter((p) => p !== undefined && !existsSync(`${root}${p}`));
    assert.deepEqual(missing, []);
  });

  it('has a row for every fault scenario of npm run test:faults', () => {
    const scenarios = readdirSync(`${root}test/faults`).filter((f) => f.endsWith('.test.ts'));
    assert.ok(scenarios.length >= 10);
    const absent = scenarios.filter((f) => !page.includes(`test/faults/${f}`));
    assert.deepEqual(absent, []);
  });

  it('names the alerts on-call will see, each with its runbook', () => {
    const rules = readFileSync(`${root}k8s/monitoring/alert-rules.yaml`, 'utf8');
    const alerts = new Set([...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]));
    const named = [...alerts].filter((a): a is string => a !== undefined && page.includes(a));
    assert.ok(named.length >= 10, `alerts named: ${named.join(', ')}`);
    for (const fault of [
      'PubNubKeysRejected',
      'TimerGamesQuarantined',
      'ShardLeasesOnFallback',
      'ServiceNotStarted',
    ])
      assert.ok(named.includes(fault), `${fault} is an alert of the rules and named on the page`);
    for (const name of named)
      assert.ok(existsSync(`${root}runbooks/alerts/${name}.md`), `runbook of ${name}`);
  });
});
