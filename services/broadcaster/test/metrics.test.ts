import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, spawnNode, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { createGames, post, startTestBroadcaster } from './helpers.ts';

const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('broadcaster probes, metrics and entry point', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('answers /livez and /readyz', async () => {
    assert.equal((await fetch(`${service.url}/livez`)).status, 200);
    const ready = await waitFor('ready', async () => {
      const res = await fetch(`${service.url}/readyz`);
      return res.status === 200 ? ((await res.json()) as { checks: Record<string, unknown> }) : undefined;
    });
    assert.deepEqual(Object.keys(ready.checks).sort(), ['database', 'notifications', 'start']);
  });

  it('exposes every relay and ingest metric on /metrics', async () => {
    const [gameId = ''] = await createGames(pool, 1);
    const ok = await post(`${service.url}/v1/events?wait=published`, exampleEvents(gameId)['vote_cast']);
    assert.equal(ok.status, 200);
    await post(`${service.url}/v1/events`, '{not json');
    const text = await waitFor('the stats loop to run', async () => {
      const body = await (await fetch(`${service.url}/metrics`)).text();
      return /sketchyaf_realtime_outbox_backlog\{service="broadcaster"\} 0/.test(body) ? body : undefined;
    });
    for (const name of [
      'sketchyaf_realtime_publish_duration_seconds_bucket',
      'sketchyaf_realtime_publish_attempts_total{result="published",service="broadcaster"} 1',
      'sketchyaf_realtime_publish_lag_seconds_count',
      'sketchyaf_realtime_outbox_backlog',
      'sketchyaf_realtime_outbox_oldest_unpublished_age_seconds',
      'sketchyaf_realtime_circuit_state{service="broadcaster"} 0',
      'sketchyaf_realtime_dead_letters{service="broadcaster"} 0',
      'sketchyaf_realtime_dead_lettered_events_total',
      'sketchyaf_realtime_ingest_events_accepted_total{type="vote_cast",client="default",service="broadcaster"} 1',
      'sketchyaf_realtime_ingest_events_rejected_total{reason="invalid_json",client="default",service="broadcaster"} 1',
      'sketchyaf_realtime_ingest_commit_events_bucket',
      'sketchyaf_realtime_ingest_commit_duration_seconds_bucket',
      'sketchyaf_realtime_relay_buffered_events',
      'sketchyaf_realtime_relay_in_flight_publishes',
      'sketchyaf_realtime_relay_listener_connected{service="broadcaster"} 1',
      'sketchyaf_realtime_outbox_pruned_total',
      'sketchyaf_realtime_http_requests_total{route="/v1/events",method="POST",status="200",service="broadcaster"}',
    ]) {
      assert.ok(text.includes(name), `missing ${name}`);
    }
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE sketchyaf_realtime_'))) {
      const [, , name = '', type] = line.split(' ');
      if (type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} must end in _total`);
    }
  });

  it('main.ts starts from the environment, prints its URL and the development token, stops on SIGTERM', async () => {
    const { child, output, exited } = spawnNode([mainFile], {
      env: {
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        PORT: '0',
        LOG_LEVEL: 'error',
        APP_ENV: 'development',
      },
    });
    try {
      await waitFor('the start lines', () => (output().includes('development API token') ? true : undefined));
      assert.match(output(), /listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.match(output(), /dev-token-change-me/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('main.ts reports every configuration problem at once and exits 78', async () => {
    const { output, exited } = spawnNode([mainFile], {
      env: { APP_ENV: 'production', PORT: 'x', DATABASE_URL: '' },
    });
    const code = await exited;
    assert.equal(code, 78);
    for (const key of ['DATABASE_URL', 'BROADCAST_API_TOKENS', 'PUBNUB_PUBLISH_KEY', 'PORT'])
      assert.match(output(), new RegExp(key));
  });
});
