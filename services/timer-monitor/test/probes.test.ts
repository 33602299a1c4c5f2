import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrateUp } from '@sketchyaf/core';
import { freePort, startEmbeddedPostgres, waitFor, type EmbeddedPostgres } from '@sketchyaf/testkit';
import type { TimerMonitorService } from '../src/index.ts';
import { startTestMonitor } from './helpers.ts';

const run = promisify(execFile);
const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

describe('timer monitor probes and metrics', function () {
  this.timeout(60_000);
  const dataDir = join(tmpdir(), `sketchyaf-probe-pg-${process.pid}`);
  let port: number;
  let server: EmbeddedPostgres | undefined;
  let monitor: TimerMonitorService | undefined;

  before(async () => {
    await rm(dataDir, { recursive: true, force: true });
    port = await freePort();
    server = await startEmbeddedPostgres({ dataDir, port, database: 'probe', settings: { fsync: 'off' } });
    await migrateUp({ databaseUrl: server.url() });
    monitor = await startTestMonitor(server.url());
  });
  after(async () => {
    await monitor?.stop();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exposes the timer metrics on /metrics', async () => {
    assert.ok(monitor && server);
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO games (phase_durations) VALUES ('{"briefing": 0.1}') RETURNING id`,
    );
    await client.query("UPDATE games SET status = 'briefing' WHERE id = $1", [rows[0]?.id]);
    await client.end();
    const url = monitor.url;
    const text = await waitFor('a transition in the metrics', async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      return body.includes('sketchyaf_realtime_timer_transitions_total{from="briefing",to="drawing"')
        ? body
        : undefined;
    });
    for (const name of [
      'sketchyaf_realtime_timer_lag_seconds_bucket{le="0.001"',
      'sketchyaf_realtime_timer_transitions_total',
      'sketchyaf_realtime_timer_batch_size_bucket',
      'sketchyaf_realtime_timer_statement_duration_seconds_bucket',
      'sketchyaf_realtime_timer_overdue_games',
      'sketchyaf_realtime_timer_tracked_games',
    ]) {
      assert.ok(text.includes(name.replace(/\{.*$/, '')), `missing ${name}`);
    }
    assert.match(text, /sketchyaf_realtime_timer_lag_seconds_count\{service="timer-monitor"\} 1\n/);
  });

  it('/readyz turns 503 when PostgreSQL goes away and 200 when it returns; /livez stays 200', async () => {
    assert.ok(monitor && server);
    const url = monitor.url;
    assert.equal(await status(`${url}/readyz`), 200);
    await server.stop();
    await waitFor('readyz 503', async () => ((await status(`${url}/readyz`)) === 503 ? true : undefined), {
      timeoutMs: 5000,
    });
    const body = (await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
    assert.equal(body.checks['database']?.ok, false);
    assert.equal(await status(`${url}/livez`), 200);

    server = await startEmbeddedPostgres({ dataDir, port, database: 'probe', settings: { fsync: 'off' } });
    await waitFor('readyz 200', async () => ((await status(`${url}/readyz`)) === 200 ? true : undefined), {
      timeoutMs: 15_000,
    });
    assert.equal(await status(`${url}/livez`), 200);
  });

  it('refuses to start with one message naming every configuration problem', async () => {
    const result = await run(process.execPath, [mainFile], {
      env: { PATH: process.env['PATH'] ?? '', APP_ENV: 'production', SHARD_COUNT: 'many', PORT: '99999' },
    }).then(
      () => assert.fail('expected a non-zero exit'),
      (err: unknown) => err as { code: number; stderr: string },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Invalid configuration \(3 problems\)/);
    assert.match(result.stderr, /DATABASE_URL: required when APP_ENV is production/);
    assert.match(result.stderr, /SHARD_COUNT: must be an integer/);
    assert.match(result.stderr, /PORT: must be at most 65535/);
  });
});
