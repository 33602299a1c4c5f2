// k8s/monitoring/alert-rules.yaml: valid (promtool check rules), behaving as
// its unit tests say (promtool test rules), complete (labels, annotations,
// runbook links), and covered: every alert, per severity, has a test where it
// fires with its annotations checked, one where it does not, and, when it has
// a `for:`, a test that it is still silent before that.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isDocumented, isStandardMetric, loadCatalogue } from './support/catalogue.ts';
import { alertRulesPath, ruleTestsDir, runbookBaseUrl } from './support/paths.ts';
import { metricNames } from './support/promql.ts';
import { durationSeconds, loadRules, type AlertRule } from './support/rules.ts';
import { findTool, run } from './support/tools.ts';
import { asArray, asRecord, asString, asStringMap } from './support/yamlData.ts';

interface AlertCase {
  file: string;
  test: string;
  alertname: string;
  evalSeconds: number;
  expected: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

async function ruleTestFiles(): Promise<string[]> {
  return (await readdir(ruleTestsDir))
    .filter((f) => f.endsWith('.test.yaml'))
    .sort()
    .map((f) => join(ruleTestsDir, f));
}

async function loadAlertCases(): Promise<AlertCase[]> {
  const cases: AlertCase[] = [];
  for (const file of await ruleTestFiles()) {
    const doc = asRecord(parse(await readFile(file, 'utf8')), file);
    for (const [i, t] of asArray(doc['tests'], `${file}: tests`).entries()) {
      const test = asRecord(t, `${file}: tests[${i}]`);
      const name = typeof test['name'] === 'string' ? test['name'] : `tests[${i}]`;
      for (const c of asArray(test['alert_rule_test'] ?? [], `${file}: ${name}`)) {
        const ruleTest = asRecord(c, `${file}: ${name}: alert_rule_test`);
        cases.push({
          file,
          test: `${file}#${i}`,
          alertname: asString(ruleTest['alertname'], `${name}: alertname`),
          evalSeconds: durationSeconds(asString(ruleTest['eval_time'], `${name}: eval_time`)),
          expected: asArray(ruleTest['exp_alerts'] ?? [], `${name}: exp_alerts`).map((e) => {
            const exp = asRecord(e, `${name}: exp_alerts[]`);
            return {
              labels: asStringMap(exp['exp_labels'], `${name}: exp_labels`),
              annotations: asStringMap(exp['exp_annotations'], `${name}: exp_annotations`),
            };
          }),
        });
      }
    }
  }
  return cases;
}

/** Alert rules by name and severity: an alert may have one rule per severity. */
function variants(alerts: readonly AlertRule[]): AlertRule[] {
  return [...alerts].sort((a, b) =>
    `${a.alert}/${a.labels['severity']}`.localeCompare(`${b.alert}/${b.labels['severity']}`),
  );
}

const firesWith = (c: AlertCase, severity: string | undefined): boolean =>
  c.expected.some((e) => e.labels['severity'] === severity);

describe('monitoring: alert rules', function () {
  this.timeout(120_000);

  it('pass promtool check rules', async () => {
    const promtool = await findTool('promtool');
    const result = await run(promtool, ['check', 'rules', alertRulesPath]);
    assert.equal(result.code, 0, `promtool check rules failed:\n${result.stdout}${result.stderr}`);
  });

  it('pass their unit tests (promtool test rules k8s/monitoring/tests/*.test.yaml)', async () => {
    const promtool = await findTool('promtool');
    const files = await ruleTestFiles();
    assert.ok(files.length > 0, `no *.test.yaml in ${ruleTestsDir}`);
    const result = await run(promtool, ['test', 'rules', ...files], { cwd: ruleTestsDir });
    assert.equal(result.code, 0, `promtool test rules failed:\n${result.stdout}${result.stderr}`);
  });

  it('each carry severity, summary, description and a runbook_url to their own page', async () => {
    const { alerts } = await loadRules();
    assert.ok(alerts.length > 0);
    const problems: string[] = [];
    for (const rule of alerts) {
      const severity = rule.labels['severity'];
      const allowed = rule.alert === 'Watchdog' ? ['none'] : ['critical', 'warning'];
      if (severity === undefined || !allowed.includes(severity)) {
        problems.push(
          `${rule.alert}: severity must be one of ${allowed.join(', ')} (is ${String(severity)})`,
        );
      }
      for (const key of ['summary', 'description', 'runbook_url']) {
        if (!rule.annotations[key]?.trim()) problems.push(`${rule.alert}: missing annotation ${key}`);
      }
      const url = rule.annotations['runbook_url'];
      if (url !== undefined && url !== `${runbookBaseUrl}${rule.alert}.md`) {
        problems.push(`${rule.alert}: runbook_url is ${url}, not ${runbookBaseUrl}${rule.alert}.md`);
      }
    }
    const seen = new Set<string>();
    for (const rule of alerts) {
      const key = `${rule.alert}/${rule.labels['severity'] ?? ''}`;
      if (seen.has(key)) problems.push(`${key}: two rules with the same name and severity`);
      seen.add(key);
    }
    assert.deepEqual(problems, []);
  });

  it('keep namespace and environment in every aggregation (Alertmanager routes on environment)', async () => {
    const { alerts, records } = await loadRules();
    const problems: string[] = [];
    for (const { name, expr } of [
      ...alerts.map((a) => ({ name: a.alert, expr: a.expr })),
      ...records.map((r) => ({ name: r.record, expr: r.expr })),
    ]) {
      for (const match of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        const labels = (match[1] ?? '').split(',').map((l) => l.trim());
        for (const required of ['namespace', 'environment']) {
          if (!labels.includes(required)) problems.push(`${name}: "${match[0]}" drops ${required}`);
        }
      }
      if (/\bwithout\s*\(/.test(expr)) problems.push(`${name}: use by (...), so kept labels are explicit`);
    }
    assert.deepEqual(problems, []);
  });

  it('each fire in a test with summary, description and runbook_url checked', async () => {
    const { alerts } = await loadRules();
    const cases = await loadAlertCases();
    const missing: string[] = [];
    for (const rule of variants(alerts)) {
      const severity = rule.labels['severity'];
      const checked = cases.some(
        (c) =>
          c.alertname === rule.alert &&
          c.expected.some(
            (e) =>
              e.labels['severity'] === severity &&
              ['summary', 'description', 'runbook_url'].every((k) => (e.annotations[k] ?? '') !== ''),
          ),
      );
      if (!checked) missing.push(`${rule.alert} (${String(severity)})`);
    }
    assert.deepEqual(missing, [], 'alerts without a firing test that checks their annotations');
  });

  it('each stay silent in at least one test, and before their for: where they have one', async () => {
    const { alerts } = await loadRules();
    const cases = await loadAlertCases();
    const missing: string[] = [];
    for (const rule of variants(alerts)) {
      if (rule.alert === 'Watchdog') continue; // always firing, by design
      const severity = rule.labels['severity'];
      const mine = cases.filter((c) => c.alertname === rule.alert);
      if (!mine.some((c) => !firesWith(c, severity))) {
        missing.push(`${rule.alert} (${String(severity)}): no case where it does not fire`);
      }
      if (rule.for !== undefined && durationSeconds(rule.for) > 0) {
        const beforeFor = mine.some(
          (silent) =>
            !firesWith(silent, severity) &&
            mine.some(
              (firing) =>
                firing.test === silent.test &&
                firing.evalSeconds > silent.evalSeconds &&
                firing.evalSeconds - silent.evalSeconds <= durationSeconds(rule.for ?? '0s') &&
                firesWith(firing, severity),
            ),
        );
        if (!beforeFor) {
          missing.push(
            `${rule.alert} (${String(severity)}): no case showing it silent within for: ${rule.for} before it fires`,
          );
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('name only metrics in docs/metrics.md, recording rules of this file, or standard ones', async () => {
    const { alerts, records } = await loadRules();
    const catalogue = await loadCatalogue();
    const recorded = new Set(records.map((r) => r.record));
    const unknown: string[] = [];
    for (const { name, expr } of [
      ...alerts.map((a) => ({ name: a.alert, expr: a.expr })),
      ...records.map((r) => ({ name: r.record, expr: r.expr })),
    ]) {
      for (const metric of metricNames(expr)) {
        if (recorded.has(metric) || isStandardMetric(metric) || isDocumented(metric, catalogue)) continue;
        unknown.push(`${name}: ${metric}`);
      }
    }
    assert.deepEqual(unknown, []);
  });
});
