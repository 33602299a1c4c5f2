// One source of alert rules: k8s/monitoring/alert-rules.yaml. The chart
// renders its copy (files/alert-rules.yaml, made by scripts/helm/sync-rules.sh)
// as a PrometheusRule, adding the `environment` label Alertmanager routes on.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { render } from './lib/helm.ts';
import { chartDir, repoRoot } from './lib/paths.ts';

const source = join(repoRoot, 'k8s/monitoring/alert-rules.yaml');
const copy = join(chartDir, 'files/alert-rules.yaml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const fixture = `groups:
  - name: fixture
    rules:
      - record: job:sketchyaf_realtime_http_requests:rate5m
        expr: sum by (job) (rate(sketchyaf_realtime_http_requests_total[5m]))
      - alert: FixtureAlert
        expr: up == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} is down"
          runbook_url: https://example.test/runbooks/FixtureAlert.md
`;

async function prometheusRuleGroups(chart: string, set: string[]): Promise<RuleFile['groups']> {
  const objects = await render({ chart, set: ['secret.existingSecret=s', 'monitoring.mode=always', ...set] });
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  assert.ok(rule, 'a PrometheusRule');
  return (rule['spec'] as RuleFile).groups;
}

describe('chart: alert rules from k8s/monitoring/alert-rules.yaml', function () {
  this.timeout(120_000);

  it('the chart copy equals its source (run scripts/helm/sync-rules.sh)', async () => {
    if (existsSync(source)) {
      assert.ok(existsSync(copy), `${copy} is missing: run scripts/helm/sync-rules.sh`);
      assert.equal(
        await readFile(copy, 'utf8'),
        await readFile(source, 'utf8'),
        'stale copy: run scripts/helm/sync-rules.sh',
      );
    } else {
      assert.ok(!existsSync(copy), 'a rule copy without its source k8s/monitoring/alert-rules.yaml');
    }
    await promisify(execFile)('bash', [join(repoRoot, 'scripts/helm/sync-rules.sh'), '--check']);
  });

  it('renders every group and rule of the source, with `environment` on every alert', async () => {
    if (!existsSync(source)) {
      const objects = await render({ files: ['ci/monitoring-values.yaml'] });
      assert.ok(
        !objects.some((o) => o.kind === 'PrometheusRule'),
        'no rules to render before the source exists',
      );
      return;
    }
    const file = parse(await readFile(source, 'utf8')) as RuleFile;
    const groups = await prometheusRuleGroups('.', ['environment=production']);
    assert.deepEqual(
      groups.map((g) => [g.name, g.rules.length]),
      file.groups.map((g) => [g.name, g.rules.length]),
    );
    for (const rule of groups.flatMap((g) => g.rules))
      if (rule.alert) assert.equal(rule.labels?.['environment'], 'production', rule.alert);
  });

  describe('with a fixture rule file', () => {
    let chart = '';
    before(async () => {
      chart = join(await mkdtemp(join(tmpdir(), 'sketchyaf-chart-')), 'sketchyaf-realtime');
      await cp(chartDir, chart, { recursive: true });
      await mkdir(join(chart, 'files'), { recursive: true });
      await writeFile(join(chart, 'files/alert-rules.yaml'), fixture);
    });
    after(async () => {
      await rm(join(chart, '..'), { recursive: true, force: true });
    });

    it('adds the environment label to alerts only and keeps everything else verbatim', async () => {
      // The fixture's runbook base as runbookBaseUrl: its runbook_url comes out unchanged.
      const groups = await prometheusRuleGroups(chart, [
        'environment=staging',
        'runbookBaseUrl=https://example.test/runbooks',
      ]);
      const expected = structuredClone((parse(fixture) as RuleFile).groups);
      const alert = expected[0]?.rules[1];
      assert.ok(alert);
      alert.labels = { severity: 'page', environment: 'staging' };
      assert.deepEqual(groups, expected);
    });

    it('renders no PrometheusRule when disabled', async () => {
      const objects = await render({
        chart,
        set: ['secret.existingSecret=s', 'monitoring.mode=always', 'monitoring.prometheusRule.enabled=false'],
      });
      assert.ok(!objects.some((o) => o.kind === 'PrometheusRule'));
    });
  });
});
