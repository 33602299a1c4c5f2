import { strict as assert } from 'node:assert';
import pg from 'pg';
import {
  createTestDatabase,
  freePort,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { TimerMonitorService } from '@sketchyaf/timer-monitor';
import type { HealthReport, HealthService } from '../src/index.ts';
import { getHealth, startTestBroadcaster, startTestHealth, startTestTimerMonitor } from './helpers.ts';

/** One sample of `name{labels}` from a /metrics text (labels as printed, e.g. `component="pubnub"`). */
function metric(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function sli(report: HealthReport, key: string) {
  const found = report.slis.find((s) => s.key === key);
  assert.ok(found, `no SLI ${key}`);
  return found;
}

describe('health service against the real pipeline', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let timers: TimerMonitorService;
  let redis: RedisServer[] = [];
  let health: HealthService;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal();
    redis = await startTestRedisServers(1);
    timers = await startTestTimerMonitor(db.url);
    broadcaster = await startTestBroadcaster(db.url, pubnub);
    health = await startTestHealth({
      DATABASE_URL: db.url,
      REDIS_URL: redis.map((r) => r.url).join(','),
      PUBNUB_ORIGIN: pubnub.url,
      BROADCASTER_URLS: broadcaster.url,
      TIMER_MONITOR_URLS: timers.url,
    });
  });

  after(async () => {
    await health?.stop();
    await broadcaster?.stop();
    await timers?.stop();
    await pubnub?.stop();
    await Promise.all(redis.map((r) => r.stop()));
    await pool?.end();
    await db?.drop();
  });

  it('reports every component green, delivers canaries end to end and reads the timer lag', async () => {
    // A game with short phases, so the timer monitor has lag to report.
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       VALUES (1, '{"briefing":0.2,"drawing":0.2,"voting":0.2,"results":0.2}') RETURNING id`,
    );
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [rows[0]?.id]);

    const report = await waitFor(
      'all green, canaries received, timer lag known',
      async () => {
        const { status, body } = await getHealth(health.url);
        const lag = body.slis?.find((s) => s.key === 'timer_lag_p99');
        return status === 200 && body.status === 'ok' && body.canary.received >= 3 && lag?.value != null
          ? body
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const name of ['postgres', 'redis', 'pubnub', 'broadcaster', 'timer-monitor'] as const)
      assert.equal(report.components[name].level, 'up', `${name}: ${report.components[name].summary}`);
    assert.deepEqual(report.reasons, []);
    assert.equal(report.canary.subscriber, 'connected');
    assert.equal(report.canary.lost, 0);
    assert.equal(sli(report, 'canary_delivery').value, 1);
    assert.ok((sli(report, 'canary_latency_p95').value ?? 99) < 2, 'canary p95 under 2 s on loopback');
    assert.ok((sli(report, 'timer_lag_p99').value ?? 99) < 1, 'timer lag p99 under 1 s');
    assert.equal(report.outbox?.deadLetters, 0);
    assert.equal(report.games?.overdue, 0);
    assert.deepEqual(report.kubernetes, { inCluster: false, detail: 'not in a cluster' });
    assert.match(report.components.pubnub.summary, /circuit closed on 1 of 1/);

    const text = await metricsOf(health.url);
    for (const component of ['postgres', 'redis', 'pubnub', 'broadcaster', 'timer-monitor'])
      assert.equal(metric(text, 'sketchyaf_realtime_component_up', `component="${component}"`), 1, component);
    assert.ok((metric(text, 'sketchyaf_realtime_canary_sent_total') ?? 0) >= 3);
    assert.ok((metric(text, 'sketchyaf_realtime_canary_received_total') ?? 0) >= 3);
    assert.ok((metric(text, 'sketchyaf_realtime_canary_latency_seconds_count') ?? 0) >= 3);
    assert.equal(metric(text, 'sketchyaf_realtime_health_status'), 0);
  });

  it('turns PubNub red within 30 s of an outage, loses canaries, and recovers when it ends', async () => {
    const before = await getHealth(health.url);
    const lostBefore = before.body.canary.lost;
    await pubnub.setFaults({ outage: { durationMs: 120_000 } });
    const started = Date.now();
    const outage = await waitFor(
      'PubNub red in /api/health',
      async () => {
        const { status, body } = await getHealth(health.url);
        return status === 503 && body.components.pubnub.level === 'down' ? body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    console.log(`      PubNub red ${Date.now() - started} ms after the outage began`);
    assert.equal(outage.status, 'down');
    assert.ok(
      outage.reasons.some((r) => r.startsWith('PubNub is down')),
      outage.reasons.join('\n'),
    );
    assert.equal(
      metric(await metricsOf(health.url), 'sketchyaf_realtime_component_up', 'component="pubnub"'),
      0,
    );

    const dropped = await waitFor(
      'canary delivery below the objective',
      async () => {
        const { body } = await getHealth(health.url);
        const delivery = sli(body, 'canary_delivery');
        return body.canary.lost > lostBefore && (delivery.value ?? 1) < 0.995 ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.notEqual(sli(dropped, 'canary_delivery').level, 'up');
    assert.ok((metric(await metricsOf(health.url), 'sketchyaf_realtime_canary_lost_total') ?? 0) > 0);
    assert.ok(dropped.incidents.some((i) => i.subject === 'pubnub' && i.to === 'down'));

    await pubnub.clearFaults();
    const recovered = await waitFor(
      'all green again with fresh canaries',
      async () => {
        const { status, body } = await getHealth(health.url);
        return status === 200 && body.status === 'ok' && body.canary.received > dropped.canary.received
          ? body
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    assert.equal(recovered.components.pubnub.level, 'up');
    assert.equal(recovered.canary.subscriber, 'connected');
    assert.ok(recovered.incidents.some((i) => i.subject === 'pubnub' && i.from === 'down' && i.to === 'up'));
    assert.equal(
      metric(await metricsOf(health.url), 'sketchyaf_realtime_component_up', 'component="pubnub"'),
      1,
    );
  });

  it('reports unreachable replicas and Redis red, counts refused canaries as lost, stops twice', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const other = await startTestHealth({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      PUBNUB_ORIGIN: pubnub.url,
      BROADCASTER_URLS: closed,
      TIMER_MONITOR_URLS: closed,
      CANARY_USER_ID: 'health-test-unreachable',
    });
    try {
      const report = await waitFor(
        'replicas and Redis red, a refused canary',
        async () => {
          const { status, body } = await getHealth(other.url);
          return status === 503 && body.canary.postFailures > 0 ? body : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      assert.equal(report.status, 'down');
      assert.equal(report.components.postgres.level, 'up');
      assert.equal(report.components.broadcaster.level, 'down');
      assert.equal(report.components['timer-monitor'].level, 'down');
      assert.equal(report.components.redis.level, 'down');
      assert.match(report.components.redis.summary, /no quorum/);
      assert.ok(report.canary.lost >= report.canary.postFailures);
      const text = await metricsOf(other.url);
      assert.ok(
        (metric(text, 'sketchyaf_realtime_canary_post_failures_total', 'reason="unreachable"') ?? 0) > 0,
      );
      assert.equal(metric(text, 'sketchyaf_realtime_component_up', 'component="broadcaster"'), 0);
    } finally {
      await other.stop();
      await other.stop();
    }
  });

  it('serves /livez, /readyz and JSON 404s like every service', async () => {
    assert.equal((await fetch(`${health.url}/livez`)).status, 200);
    assert.equal((await fetch(`${health.url}/readyz`)).status, 200);
    const missing = await fetch(`${health.url}/nope`);
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { error: { code: string }; requestId?: unknown };
    assert.equal(body.error.code, 'not_found');
    assert.equal(body.requestId, missing.headers.get('x-request-id'), 'the same shape as every refusal');
  });
});
