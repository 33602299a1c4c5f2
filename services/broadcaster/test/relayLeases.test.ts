import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import {
  createTestDatabase,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import type { BroadcasterService } from '../src/index.ts';
import { checkGameOrder, startTestBroadcaster, Subscriber } from './helpers.ts';

const shardCount = 16;
const ttlMs = 1000;
/** phase_changed events of a one-round game, from the start (briefing) to completed. */
const eventsPerGame = 5;

interface ReadyBody {
  checks: Record<string, { ok: boolean; detail?: string }>;
}

function owned(b: BroadcasterService): ReadonlySet<number> {
  return b.leases?.owned ?? new Set<number>();
}

describe('outbox relay with shard leases (two broadcasters)', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let monitor: TimerMonitorService;
  let subscriber: Subscriber;
  let broadcasters: BroadcasterService[] = [];
  /** Events each broadcaster published, by index. */
  let published: number[] = [];

  before(async () => {
    [redis] = (await startTestRedisServers(1)) as [RedisServer];
    pubnub = await startPubnubLocal({ port: 0 });
  });
  after(async () => {
    await pubnub.stop();
    await redis.stop();
  });
  beforeEach(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    monitor = await startTimerMonitor(
      loadTimerMonitorConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        SHARD_COUNT: String(shardCount),
      }),
      { logger: createSilentLogger('timer-monitor') },
    );
    const env = {
      REDIS_URL: redis.url,
      LEASE_TTL_MS: String(ttlMs),
      LEASE_PREFIX: `test:${randomBytes(4).toString('hex')}:relay`,
      SHARD_COUNT: String(shardCount),
    };
    broadcasters = await Promise.all([
      startTestBroadcaster(db.url, pubnub, env),
      startTestBroadcaster(db.url, pubnub, env),
    ]);
    published = broadcasters.map(() => 0);
    broadcasters.forEach((b, i) => {
      b.relay.on('delivered', (d) => {
        if (d.outcome.state === 'published') published[i] = (published[i] ?? 0) + 1;
      });
    });
    subscriber = new Subscriber(pubnub);
    await subscriber.subscribe(['game.*']);
  });
  afterEach(async () => {
    subscriber.stop();
    await Promise.all(broadcasters.map((b) => b.stop()));
    broadcasters = [];
    await monitor.stop();
    await pool.end();
    await db.drop();
  });

  async function startGames(count: number): Promise<Map<string, number>> {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT 1, $2::jsonb FROM generate_series(1, $1) RETURNING id`,
      [count, JSON.stringify({ briefing: 0.3, drawing: 0.3, voting: 0.3, results: 0.3 })],
    );
    const expected = new Map(rows.map((r) => [r.id, eventsPerGame]));
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [
      [...expected.keys()],
    ]);
    return expected;
  }

  async function expectAllDelivered(expected: ReadonlyMap<string, number>): Promise<void> {
    const total = expected.size * eventsPerGame;
    await waitFor(
      `${total} events at the subscriber`,
      () => {
        const ids = new Set(
          subscriber.messages
            .filter((m) => m.envelope.gameId !== undefined && expected.has(m.envelope.gameId))
            .map((m) => m.envelope.eventId),
        );
        return ids.size >= total ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.deepEqual(checkGameOrder(subscriber.messages, expected), []);
    const pending = await waitFor(
      'every outbox event marked published',
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM realtime_outbox WHERE published_at IS NULL',
        );
        return rows[0]?.n === '0' ? 0 : undefined;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(pending, 0);
  }

  it('both relays own shards, and every event reaches the subscriber in order without gaps', async () => {
    await waitFor(
      'both relays to own a fair share',
      () => {
        const sets = broadcasters.map(owned);
        const all = new Set(sets.flatMap((s) => [...s]));
        return all.size === shardCount && sets.every((s) => s.size === shardCount / 2) ? true : undefined;
      },
      { timeoutMs: 5000 },
    );
    // The LISTEN connection opens once the start has finished: readiness can follow a moment later.
    for (const b of broadcasters) {
      const body = await waitFor(
        'the broadcaster ready',
        async () => {
          const res = await fetch(`${b.url}/readyz`);
          return res.status === 200 ? ((await res.json()) as ReadyBody) : undefined;
        },
        { timeoutMs: 5000 },
      );
      assert.equal(body.checks.leases?.ok, true);
    }
    const expected = await startGames(300);
    await expectAllDelivered(expected);
    assert.ok(
      published.every((n) => n > 0),
      `both relays published (${published.join(', ')})`,
    );
  });

  it('when one broadcaster stops, the other takes every shard and drains the outbox', async () => {
    await waitFor(
      'both relays to own shards',
      () => (broadcasters.every((b) => owned(b).size > 0) ? true : undefined),
      { timeoutMs: 5000 },
    );
    const expected = await startGames(300);
    await waitFor('the first events', () => (published.every((n) => n > 0) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const [first, second] = broadcasters as [BroadcasterService, BroadcasterService];
    await first.stop();
    broadcasters = [second];
    const stoppedAt = Date.now();
    await waitFor(
      'the survivor to own every shard',
      () => (owned(second).size === shardCount ? true : undefined),
      { timeoutMs: 2 * ttlMs + 1000, intervalMs: 20 },
    );
    const takeoverMs = Date.now() - stoppedAt;
    assert.ok(takeoverMs <= 2 * ttlMs, `takeover took ${takeoverMs} ms`);
    await expectAllDelivered(expected);
  });
});
