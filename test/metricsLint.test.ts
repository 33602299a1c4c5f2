// `promtool check metrics` on the /metrics scrape of every service: metric
// names, types, HELP and units as Prometheus expects them. Never skipped: a
// missing promtool fails with the command that installs it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '@sketchyaf/broadcaster';
import { loadHealthConfig, startHealth, type HealthService } from '@sketchyaf/health';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';

const installCommand = 'apt-get update && apt-get install -y --no-install-recommends prometheus';

/**
 * Problems accepted, each with why. Only prom-client's default metrics
 * (`collectDefaultMetrics`) may appear here: our own metrics must pass.
 */
const allowed: readonly { metric: string; problem: string; reason: string }[] = [
  ...['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].map(
    (metric) => ({
      metric,
      problem: 'non-counter metrics should not have "_total" suffix',
      reason:
        "prom-client's default metric: a gauge that prom-client names with _total; renaming it would break the standard Node.js dashboards",
    }),
  ),
];

async function findPromtool(): Promise<string> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    const candidate = join(dir, 'promtool');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(`promtool is not installed; install it with:\n  ${installCommand}`);
}

/** Pipes `text` to `promtool check metrics`; exit 0 is clean, 3 means lint problems. */
function promtoolCheck(promtool: string, text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, output });
    });
    child.stdin.end(text);
  });
}

/** `metric problem text` lines of promtool's output. */
function problemsOf(output: string): { metric: string; problem: string }[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return space < 0
        ? { metric: line, problem: '' }
        : { metric: line.slice(0, space), problem: line.slice(space + 1) };
    });
}

describe('metrics lint (promtool check metrics)', function () {
  this.timeout(120_000);
  const apiToken = 'metrics-lint-token-0123456789';
  let promtool: string;
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  let timers: TimerMonitorService;
  let broadcaster: BroadcasterService;
  let health: HealthService;

  before(async () => {
    promtool = await findPromtool();
    db = await createTestDatabase();
    pubnub = await startPubnubLocal();
    timers = await startTimerMonitor(
      loadTimerMonitorConfig({ DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' }),
      { logger: createSilentLogger('timer-monitor') },
    );
    broadcaster = await startBroadcaster(
      loadBroadcasterConfig({
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        BROADCAST_API_TOKENS: apiToken,
        RELAY_POLL_INTERVAL_MS: '200',
      }),
      { logger: createSilentLogger('broadcaster') },
    );
    health = await startHealth(
      loadHealthConfig({
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        BROADCASTER_URLS: broadcaster.url,
        TIMER_MONITOR_URLS: timers.url,
        CANARY_API_TOKEN: apiToken,
        CANARY_INTERVAL_MS: '200',
        CHECK_INTERVAL_MS: '200',
        PORT: '0',
        LOG_LEVEL: 'silent',
      }),
      { logger: createSilentLogger('health'), kubernetes: null },
    );

    // Traffic, so that labelled series and histograms have samples: a timed
    // game for the timer monitor, canaries through the broadcaster.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO games (phase_durations) VALUES ('{"briefing":0.1}') RETURNING id`,
      );
      await client.query("UPDATE games SET status = 'briefing' WHERE id = $1", [rows[0]?.id]);
    } finally {
      await client.end();
    }
    await waitFor(
      'a transition and a delivered canary',
      async () => {
        const [t, h] = await Promise.all(
          [timers.url, health.url].map(async (url) => (await fetch(`${url}/metrics`)).text()),
        );
        return t?.includes('sketchyaf_realtime_timer_transitions_total{') &&
          /sketchyaf_realtime_canary_received_total\{[^}]*\} [1-9]/.test(h ?? '')
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  });

  after(async () => {
    await health?.stop();
    await broadcaster?.stop();
    await timers?.stop();
    await pubnub?.stop();
    await db?.drop();
  });

  it('allow-lists nothing but prom-client default metrics', () => {
    for (const entry of allowed) assert.match(entry.metric, /^(nodejs|process)_/, entry.metric);
  });

  for (const name of ['timer-monitor', 'broadcaster', 'health'] as const) {
    it(`passes for the ${name} scrape`, async () => {
      const url = { 'timer-monitor': timers.url, broadcaster: broadcaster.url, health: health.url }[name];
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.match(text, /sketchyaf_realtime_/);
      // Every service exports its database pool (packages/core/src/db/poolMetrics.ts).
      for (const gauge of ['connections', 'idle_connections', 'waiting_clients', 'max_connections'])
        assert.match(text, new RegExp(`sketchyaf_realtime_db_pool_${gauge}\\{pool="${name}"`));
      const { code, output } = await promtoolCheck(promtool, text);
      assert.ok(code === 0 || code === 3, `promtool could not read the scrape (exit ${code}):\n${output}`);
      const unexpected = problemsOf(output).filter(
        (p) => !allowed.some((a) => a.metric === p.metric && a.problem === p.problem),
      );
      assert.deepEqual(
        unexpected,
        [],
        `promtool check metrics found problems in the ${name} scrape:\n${unexpected.map((p) => `  ${p.metric}: ${p.problem}`).join('\n')}`,
      );
    });
  }
});
