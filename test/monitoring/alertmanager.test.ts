// k8s/monitoring/alertmanager.yaml: valid for amtool, routing each alert where
// the table below says, reading every secret from a file, rendering its
// templates, and inhibiting as intended (checked against a real Alertmanager;
// each inhibition case holds an alert that must be inhibited, so "not
// inhibited" is never read before Alertmanager has seen the source alerts).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { alertmanagerConfigPath, alertmanagerTemplatesPath, runbookBaseUrl } from './support/paths.ts';
import { loadRules } from './support/rules.ts';
import { findTool, run, runOk } from './support/tools.ts';
import { asArray, asRecord, isRecord } from './support/yamlData.ts';

type Labels = Record<string, string>;

const productionTemplatesGlob = '/etc/alertmanager/config/*.tmpl';

/** Routing table: labels -> the one receiver Alertmanager must pick. */
const routes: readonly (readonly [Labels, string])[] = [
  [
    { alertname: 'ServiceDown', severity: 'critical', environment: 'production', component: 'timer-monitor' },
    'pager-production',
  ],
  [
    { alertname: 'ServiceDown', severity: 'warning', environment: 'production', component: 'health' },
    'chat-production',
  ],
  [
    { alertname: 'ServiceDown', severity: 'critical', environment: 'staging', component: 'timer-monitor' },
    'chat-staging',
  ],
  [
    {
      alertname: 'OutboxEventsDelayed',
      severity: 'critical',
      environment: 'production',
      namespace: 'sketchyaf-realtime',
    },
    'pager-production',
  ],
  [
    {
      alertname: 'OutboxEventsDelayed',
      severity: 'critical',
      environment: 'staging',
      namespace: 'sketchyaf-realtime',
    },
    'chat-staging',
  ],
  [
    { alertname: 'ErrorRateHigh', severity: 'warning', environment: 'staging', component: 'broadcaster' },
    'chat-staging',
  ],
  [
    {
      alertname: 'DatabaseConnectionFailures',
      severity: 'critical',
      environment: 'production',
      component: 'relay',
      pod: 'relay-0',
    },
    'pager-production',
  ],
  [{ alertname: 'Watchdog', severity: 'none', environment: 'production' }, 'deadman-production'],
  [{ alertname: 'Watchdog', severity: 'none', environment: 'staging' }, 'deadman-staging'],
  [{ alertname: 'Watchdog', severity: 'none' }, 'blackhole'],
  [{ alertname: 'InfoInhibitor', severity: 'none', environment: 'production' }, 'blackhole'],
  // A missing or unknown environment is shown in chat, never paged.
  [{ alertname: 'TimersOverdue', severity: 'critical' }, 'chat-production'],
  [{ alertname: 'TimersOverdue', severity: 'critical', environment: 'development' }, 'chat-production'],
];

/** The policy, for any alert of the rule file. */
function expectedReceiver(
  alertname: string,
  severity: string,
  environment: 'production' | 'staging',
): string {
  if (alertname === 'Watchdog') return `deadman-${environment}`;
  if (environment === 'staging') return 'chat-staging';
  return severity === 'critical' ? 'pager-production' : 'chat-production';
}

interface InhibitionCase {
  name: string;
  alerts: readonly { labels: Labels; inhibited: boolean }[];
}

const inhibitionCases: readonly InhibitionCase[] = [
  {
    name: 'a critical silences the warning of the same alert and component only',
    alerts: [
      {
        labels: { alertname: 'ErrorRateHigh', severity: 'critical', component: 'broadcaster' },
        inhibited: false,
      },
      {
        labels: { alertname: 'ErrorRateHigh', severity: 'warning', component: 'broadcaster' },
        inhibited: true,
      },
      { labels: { alertname: 'ErrorRateHigh', severity: 'warning', component: 'health' }, inhibited: false },
    ],
  },
  {
    name: 'a critical does not silence a warning of another alert',
    alerts: [
      {
        labels: { alertname: 'TimerExecutionSlow', severity: 'critical', component: 'timer-monitor' },
        inhibited: false,
      },
      {
        labels: { alertname: 'TimerExecutionSlow', severity: 'warning', component: 'timer-monitor' },
        inhibited: true,
      },
      {
        labels: { alertname: 'TimerLagP99High', severity: 'warning', component: 'timer-monitor' },
        inhibited: false,
      },
    ],
  },
  {
    name: "RollbackCriteriaMet silences the same component's ErrorRateHigh, not another's",
    alerts: [
      {
        labels: { alertname: 'RollbackCriteriaMet', severity: 'critical', component: 'broadcaster' },
        inhibited: false,
      },
      {
        labels: { alertname: 'ErrorRateHigh', severity: 'critical', component: 'broadcaster' },
        inhibited: true,
      },
      { labels: { alertname: 'ErrorRateHigh', severity: 'critical', component: 'health' }, inhibited: false },
    ],
  },
  {
    name: "ServiceDown silences the same component's errors, latency and ComponentDown",
    alerts: [
      {
        labels: { alertname: 'ServiceDown', severity: 'critical', component: 'broadcaster' },
        inhibited: false,
      },
      {
        labels: { alertname: 'ErrorRateHigh', severity: 'critical', component: 'broadcaster' },
        inhibited: true,
      },
      {
        labels: {
          alertname: 'IngestLatencyHigh',
          severity: 'warning',
          component: 'broadcaster',
          route: '/v1/events',
        },
        inhibited: true,
      },
      {
        labels: { alertname: 'ComponentDown', severity: 'critical', component: 'broadcaster' },
        inhibited: true,
      },
      { labels: { alertname: 'ErrorRateHigh', severity: 'warning', component: 'health' }, inhibited: false },
      {
        labels: { alertname: 'TimersOverdue', severity: 'critical', component: 'timer-monitor' },
        inhibited: false,
      },
    ],
  },
  {
    name: 'staging never silences production',
    alerts: [
      {
        labels: {
          alertname: 'ServiceDown',
          severity: 'critical',
          component: 'broadcaster',
          environment: 'staging',
        },
        inhibited: false,
      },
      {
        labels: { alertname: 'ErrorRateHigh', severity: 'critical', component: 'broadcaster' },
        inhibited: false,
      },
      {
        labels: {
          alertname: 'ErrorRateHigh',
          severity: 'critical',
          component: 'broadcaster',
          environment: 'staging',
        },
        inhibited: true,
      },
    ],
  },
  {
    name: "PostgreSQL down silences each pod's DatabaseConnectionFailures, not the impact",
    alerts: [
      {
        labels: { alertname: 'ComponentDown', severity: 'critical', component: 'postgres' },
        inhibited: false,
      },
      {
        labels: {
          alertname: 'DatabaseConnectionFailures',
          severity: 'critical',
          component: 'timer-monitor',
          pod: 'tm-a',
        },
        inhibited: true,
      },
      {
        labels: { alertname: 'TimersOverdue', severity: 'critical', component: 'timer-monitor' },
        inhibited: false,
      },
    ],
  },
  {
    name: 'PubNub down silences the delivery symptoms',
    alerts: [
      { labels: { alertname: 'ComponentDown', severity: 'critical', component: 'pubnub' }, inhibited: false },
      { labels: { alertname: 'OutboxEventsDelayed', severity: 'critical' }, inhibited: true },
      {
        labels: { alertname: 'PubNubCircuitOpen', severity: 'warning', component: 'relay' },
        inhibited: true,
      },
      {
        labels: { alertname: 'BroadcastLatencyHigh', severity: 'warning', component: 'relay' },
        inhibited: true,
      },
      { labels: { alertname: 'CanaryDeliveryLow', severity: 'critical' }, inhibited: true },
      {
        labels: { alertname: 'ShardsWithoutOwner', severity: 'critical', component: 'relay' },
        inhibited: false,
      },
    ],
  },
];

async function loadConfig(): Promise<Record<string, unknown>> {
  return asRecord(parse(await readFile(alertmanagerConfigPath, 'utf8')), alertmanagerConfigPath);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every string in the receivers that holds a Go template. */
function templatedStrings(value: unknown, path: string, out: [string, string][]): void {
  if (typeof value === 'string') {
    if (value.includes('{{')) out.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => templatedStrings(v, `${path}[${i}]`, out));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) templatedStrings(v, `${path}.${k}`, out);
  }
}

function sampleData(status: 'firing' | 'resolved'): Record<string, unknown> {
  const labels = {
    alertname: 'TimersOverdue',
    severity: 'critical',
    environment: 'production',
    namespace: 'sketchyaf-realtime',
    component: 'timer-monitor',
  };
  const alert = {
    status,
    labels,
    annotations: {
      summary: 'Games are stuck past their phase deadline.',
      description:
        '3 games in namespace sketchyaf-realtime have been more than 1 s past their phase deadline.',
      runbook_url: `${runbookBaseUrl}TimersOverdue.md`,
    },
    startsAt: '2025-01-01T03:00:00Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2025-01-01T03:10:00Z',
    generatorURL: 'http://prometheus.monitoring.svc:9090/graph',
    fingerprint: '0123456789abcdef',
  };
  return {
    receiver: 'pager-production',
    status,
    alerts: [alert],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: alert.annotations,
    externalURL: 'http://alertmanager.monitoring.svc:9093',
  };
}

describe('monitoring: Alertmanager configuration', function () {
  this.timeout(120_000);
  let dir = '';
  /** The configuration with its template glob pointing at the repository's template file. */
  let localConfig = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-am-'));
    const text = await readFile(alertmanagerConfigPath, 'utf8');
    assert.ok(
      text.includes(productionTemplatesGlob),
      `templates should be read from ${productionTemplatesGlob}`,
    );
    localConfig = join(dir, 'alertmanager.yaml');
    await writeFile(localConfig, text.replace(productionTemplatesGlob, alertmanagerTemplatesPath));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes amtool check-config, templates included', async () => {
    const amtool = await findTool('amtool');
    const result = await run(amtool, ['check-config', localConfig]);
    assert.equal(result.code, 0, `amtool check-config failed:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /1 templates/);
  });

  it('routes the table of labels to the expected receivers', async () => {
    const amtool = await findTool('amtool');
    const wrong: string[] = [];
    for (const [labels, receiver] of routes) {
      const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      const out = await runOk(amtool, ['config', 'routes', 'test', `--config.file=${localConfig}`, ...args]);
      const got = out.trim();
      if (got !== receiver) wrong.push(`${args.join(' ')}: expected ${receiver}, got ${got}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('pages for every production critical of the rule file and never for staging', async () => {
    const amtool = await findTool('amtool');
    const { alerts } = await loadRules();
    const wrong: string[] = [];
    for (const rule of alerts) {
      const severity = rule.labels['severity'] ?? '';
      for (const environment of ['production', 'staging'] as const) {
        const expected = expectedReceiver(rule.alert, severity, environment);
        const args = [`alertname=${rule.alert}`, `severity=${severity}`, `environment=${environment}`];
        const result = await run(amtool, [
          'config',
          'routes',
          'test',
          `--config.file=${localConfig}`,
          `--verify.receivers=${expected}`,
          ...args,
        ]);
        if (result.code !== 0)
          wrong.push(`${args.join(' ')}: expected ${expected}, got ${result.stdout.trim()}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('reads every key and webhook URL from a file, none inline', async () => {
    const config = await loadConfig();
    const problems: string[] = [];
    const global = isRecord(config['global']) ? config['global'] : {};
    for (const key of [
      'slack_api_url',
      'pagerduty_url',
      'opsgenie_api_key',
      'victorops_api_key',
      'wechat_api_secret',
    ]) {
      if (key in global) problems.push(`global.${key} is inline`);
    }
    for (const r of asArray(config['receivers'], 'receivers')) {
      const receiver = asRecord(r, 'receiver');
      const name = String(receiver['name']);
      for (const c of asArray(receiver['pagerduty_configs'] ?? [], name)) {
        const pd = asRecord(c, name);
        if ('routing_key' in pd || 'service_key' in pd) problems.push(`${name}: inline PagerDuty key`);
        if (typeof pd['routing_key_file'] !== 'string') problems.push(`${name}: no routing_key_file`);
      }
      for (const c of asArray(receiver['slack_configs'] ?? [], name)) {
        const slack = asRecord(c, name);
        if ('api_url' in slack) problems.push(`${name}: inline Slack webhook`);
        if (typeof slack['api_url_file'] !== 'string') problems.push(`${name}: no api_url_file`);
      }
      for (const c of asArray(receiver['webhook_configs'] ?? [], name)) {
        const hook = asRecord(c, name);
        const http = isRecord(hook['http_config']) ? hook['http_config'] : {};
        const auth = isRecord(http['authorization']) ? http['authorization'] : {};
        if ('credentials' in auth) problems.push(`${name}: inline webhook credentials`);
        if (typeof auth['credentials_file'] !== 'string') problems.push(`${name}: no credentials_file`);
        if (/[?#]|\/\/[^/]*@/.test(String(hook['url'])))
          problems.push(`${name}: webhook URL carries a secret`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('renders every template of the receivers for firing and resolved alerts', async () => {
    const amtool = await findTool('amtool');
    const strings: [string, string][] = [];
    templatedStrings((await loadConfig())['receivers'], 'receivers', strings);
    assert.ok(strings.length > 0);
    const problems: string[] = [];
    for (const status of ['firing', 'resolved'] as const) {
      const dataPath = join(dir, `${status}.json`);
      await writeFile(dataPath, JSON.stringify(sampleData(status)));
      for (const [path, text] of strings) {
        const result = await run(amtool, [
          'template',
          'render',
          `--template.glob=${alertmanagerTemplatesPath}`,
          `--template.text=${text}`,
          `--template.data=${dataPath}`,
        ]);
        if (result.code !== 0) problems.push(`${path} (${status}): ${result.stderr.trim()}`);
        else if (result.stdout.trim() === '' || result.stdout.includes('<no value>')) {
          problems.push(`${path} (${status}) rendered "${result.stdout}"`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('renders the chat message with the summary, description and runbook link', async () => {
    const amtool = await findTool('amtool');
    const dataPath = join(dir, 'message.json');
    await writeFile(dataPath, JSON.stringify(sampleData('firing')));
    const render = (name: string): Promise<string> =>
      runOk(amtool, [
        'template',
        'render',
        `--template.glob=${alertmanagerTemplatesPath}`,
        `--template.text={{ template "${name}" . }}`,
        `--template.data=${dataPath}`,
      ]);
    assert.equal((await render('sketchyaf.title')).trim(), '[FIRING:1] TimersOverdue (production, critical)');
    const text = await render('sketchyaf.text');
    assert.match(text, /\*Games are stuck past their phase deadline\.\*/);
    assert.match(text, /3 games in namespace sketchyaf-realtime/);
    assert.match(
      text,
      /Runbook: https:\/\/github\.com\/sketchyaf\/sketchyaf-realtime\/blob\/main\/runbooks\/alerts\/TimersOverdue\.md/,
    );
    assert.equal(
      (await render('sketchyaf.pagerduty.description')).trim(),
      '[production] TimersOverdue: Games are stuck past their phase deadline.',
    );
  });

  describe('inhibition, on a running Alertmanager', () => {
    let child: ChildProcess | undefined;
    let base = '';
    let output = '';

    before(async () => {
      const binary = await findTool('alertmanager');
      // Same routes and inhibition rules; receivers without integrations, so nothing is sent anywhere.
      const config = await loadConfig();
      config['receivers'] = asArray(config['receivers'], 'receivers').map((r) => ({
        name: asRecord(r, 'receiver')['name'],
      }));
      delete config['templates'];
      const configPath = join(dir, 'inhibition.yaml');
      await writeFile(configPath, stringify(config));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const started = spawn(
        binary,
        [
          `--config.file=${configPath}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 15_000;
      for (;;) {
        if (started.exitCode !== null) assert.fail(`alertmanager exited ${started.exitCode}:\n${output}`);
        const ready = await fetch(`${base}/-/ready`).then(
          (res) => res.ok,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) assert.fail(`alertmanager not ready after 15 s:\n${output}`);
        await sleep(100);
      }
    });

    after(async () => {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    });

    for (const [index, testCase] of inhibitionCases.entries()) {
      it(testCase.name, async () => {
        assert.ok(
          testCase.alerts.some((a) => a.inhibited),
          'each case needs an alert that must be inhibited',
        );
        // One namespace per case: the rules' `equal` lists all include namespace.
        const namespace = `inhibition-${index}`;
        const now = Date.now();
        const alerts = testCase.alerts.map((a) => ({
          labels: { environment: 'production', ...a.labels, namespace },
          annotations: { summary: a.labels['alertname'] ?? '' },
          startsAt: new Date(now - 60_000).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
        }));
        const posted = await fetch(`${base}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
        });
        assert.equal(posted.status, 200, await posted.text());

        const describe = (labels: Labels): string =>
          Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
        const expected = testCase.alerts.map(
          (a) => `${describe(a.labels)}: ${a.inhibited ? 'inhibited' : 'active'}`,
        );
        let actual: string[] = [];
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          const res = await fetch(
            `${base}/api/v2/alerts?filter=${encodeURIComponent(`namespace="${namespace}"`)}`,
          );
          const body = asArray(await res.json(), 'alerts');
          actual = testCase.alerts.map((a) => {
            const found = body
              .map((b) => asRecord(b, 'alert'))
              .find((b) => {
                const labels = asRecord(b['labels'], 'labels');
                return (
                  Object.entries(a.labels).every(([k, v]) => labels[k] === v) &&
                  labels['environment'] === (a.labels['environment'] ?? 'production')
                );
              });
            const status = found ? asRecord(found['status'], 'status') : {};
            const inhibitedBy = asArray(status['inhibitedBy'] ?? [], 'inhibitedBy');
            return `${describe(a.labels)}: ${inhibitedBy.length > 0 ? 'inhibited' : found ? 'active' : 'missing'}`;
          });
          if (actual.join('\n') === expected.join('\n')) break;
          await sleep(100);
        }
        assert.deepEqual(actual, expected);
      });
    }
  });
});
