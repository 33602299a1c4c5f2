// Acceptance 3: relay concurrency lowered at runtime — publishes in flight
// drop to the new limit within 2 s (pubnub-local holds each publish 400 ms).
// Also: raising it back and a publish-rate limit, applied live.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '@sketchyaf/broadcaster';
import type { HealthService } from '@sketchyaf/health';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { TimerMonitorService } from '@sketchyaf/timer-monitor';
import {
  createPubnubPublisher,
  type Publisher,
} from '../../services/broadcaster/src/relay/pubnubPublisher.ts';
import { apiToken, createGames, metricValue, post } from '../../services/broadcaster/test/helpers.ts';
import { startTestMonitor } from '../../services/timer-monitor/test/helpers.ts';
import { cli, controlDir, controlEnv, sleep, startOperator, type ControlDir } from './helpers.ts';

/** The real SDK publisher, counting publishes in flight as the relay sees them. */
function countingPublisher(inner: Publisher): Publisher & { inFlight: number; done: number[] } {
  const counter = {
    inFlight: 0,
    done: [] as number[],
    async publish(channel: string, message: Parameters<Publisher['publish']>[1], bytes: number) {
      counter.inFlight += 1;
      try {
        return await inner.publish(channel, message, bytes);
      } finally {
        counter.inFlight -= 1;
        counter.done.push(Date.now());
      }
    },
    close: () => inner.close(),
  };
  return counter;
}

describe('runtime control: relay concurrency and publish rate, live (acceptance 3)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let dir: ControlDir;
  let broadcaster: BroadcasterService;
  let publisher: ReturnType<typeof countingPublisher>;
  let timers: TimerMonitorService;
  let health: HealthService;
  let games: string[];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    dir = await controlDir();
    const config = loadBroadcasterConfig({
      DATABASE_URL: db.url,
      PUBNUB_ORIGIN: pubnub.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      BROADCAST_API_TOKENS: apiToken,
      RELAY_CONCURRENCY: '32',
      // Steady concurrency only: with burst slots the 400 events would all go out at once
      // (publishSlots.unit.test.ts shows a lower runtime limit holds over burst slots too).
      RELAY_BURST_CONCURRENCY: '0',
      RELAY_POLL_INTERVAL_MS: '200',
      RELAY_SLOW_CALL_MS: '5000',
      ...controlEnv(dir.file),
    });
    publisher = countingPublisher(
      createPubnubPublisher({
        ...config.pubnub,
        timeoutMs: 10_000,
        rateLimitDefaultMs: 1000,
        // As the service sizes it: a socket per publish the relay may have in flight, bursts included.
        maxSockets: config.relay.publishConnections,
      }),
    );
    broadcaster = await startBroadcaster(config, { logger: createSilentLogger('broadcaster'), publisher });
    timers = await startTestMonitor(db.url, controlEnv(dir.file));
    health = await startOperator(db.url, pubnub.url, dir.file, {
      broadcaster: [broadcaster.url],
      timerMonitor: [timers.url],
    });
    games = await createGames(pool, 400);
  });

  after(async () => {
    await pubnub?.clearFaults();
    await health?.stop();
    await timers?.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
    await dir?.remove();
  });

  /** One event per game: 400 games publish in parallel, each held 400 ms by pubnub-local. */
  async function load(): Promise<void> {
    const events = games.map((gameId, i) => ({
      type: 'vote_cast',
      gameId,
      data: { voterId: 'p', drawingId: `d${i}`, round: 1 },
    }));
    for (let i = 0; i < events.length; i += 100) {
      const { status } = await post(`${broadcaster.url}/v1/events/batch`, {
        events: events.slice(i, i + 100),
      });
      assert.equal(status, 202);
    }
  }

  it('drops publishes in flight from 32 to the new limit of 2 within 2 s, and back up when reset', async () => {
    await pubnub.setFaults({ latencyMs: 400 });
    await load();
    await waitFor('32 publishes in flight', () => (publisher.inFlight >= 30 ? true : undefined), {
      timeoutMs: 10_000,
    });

    const changedAt = Date.now();
    const samples: { at: number; inFlight: number }[] = [];
    const sampler = setInterval(() => samples.push({ at: Date.now(), inFlight: publisher.inFlight }), 5);
    const set = await cli(['set', 'relay.concurrency', '2'], dir.file, health.url);
    // The window is the test: sampled for 2 s past the 2 s mark, in flight must stay at the limit.
    await sleep(Math.max(0, changedAt + 4000 - Date.now()));
    clearInterval(sampler);
    assert.equal(set.code, 0, [...set.out, ...set.err].join('\n'));

    const late = samples.filter((s) => s.at >= changedAt + 2000);
    assert.ok(late.length > 20, `sampled past the 2 s mark (${late.length} samples)`);
    assert.ok(
      late.every((s) => s.inFlight <= 2),
      `in flight after 2 s: max ${Math.max(...late.map((s) => s.inFlight))}`,
    );
    const reached = samples.find((_, i) => samples.slice(i).every((t) => t.inFlight <= 2));
    assert.ok(reached, 'reached the limit');
    console.log(
      `      in flight 32 -> 2 after ${reached.at - changedAt} ms (CLI acknowledged after ${set.at - changedAt} ms)`,
    );
    assert.ok(set.at - changedAt < 10_000, 'every replica acknowledged');
    const metrics = await (await fetch(`${broadcaster.url}/metrics`)).text();
    assert.ok((metricValue(metrics, 'sketchyaf_realtime_relay_in_flight_publishes') ?? 99) <= 2);

    const reset = await cli(['set', 'relay.concurrency', 'default'], dir.file, health.url);
    assert.equal(reset.code, 0, [...reset.out, ...reset.err].join('\n'));
    await waitFor('more than 2 in flight again', () => (publisher.inFlight > 10 ? true : undefined), {
      timeoutMs: 5000,
    });
    await pubnub.clearFaults();
    await waitFor(
      'the backlog drained',
      () => (publisher.inFlight === 0 && broadcaster.relay.buffered === 0 ? true : undefined),
      { timeoutMs: 30_000 },
    );
  });

  it('limits the publish rate live', async () => {
    await pubnub.clearFaults();
    const reset = await cli(['set', 'relay.concurrency', 'default'], dir.file, health.url);
    assert.equal(reset.code, 0, [...reset.out, ...reset.err].join('\n'));
    const set = await cli(['set', 'relay.publishRatePerSecond', '20'], dir.file, health.url);
    assert.equal(set.code, 0, [...set.out, ...set.err].join('\n'));
    const from = publisher.done.length;
    await load();
    // Publishing under the limit: the bucket's burst (a tenth of a second's worth) is spent.
    await waitFor('the first publishes under the limit', () =>
      publisher.done.length - from >= 5 ? true : undefined,
    );
    const windowStart = Date.now();
    // The window is the measurement: publishes counted over 2 s.
    await sleep(2000);
    const inWindow = publisher.done
      .slice(from)
      .filter((t) => t >= windowStart && t < windowStart + 2000).length;
    assert.ok(inWindow >= 30 && inWindow <= 44, `${inWindow} publishes in 2 s at 20/s`);
    const unlimited = await cli(['set', 'relay.publishRatePerSecond', 'unlimited'], dir.file, health.url);
    assert.equal(unlimited.code, 0, [...unlimited.out, ...unlimited.err].join('\n'));
    await waitFor('the backlog drained', () => (broadcaster.relay.buffered === 0 ? true : undefined), {
      timeoutMs: 30_000,
    });
  });
});
