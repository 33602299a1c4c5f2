import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ConfigError, shardOf } from '@sketchyaf/core';
import {
  createTestDatabase,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { loadTimerMonitorConfig, type TimerMonitorService } from '../src/index.ts';
import {
  assertEachTransitionOnce,
  createStartedGames,
  startTestMonitor,
  waitAllCompleted,
} from './helpers.ts';

const shardCount = 16;

interface ReadyBody {
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function readyz(monitor: TimerMonitorService): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${monitor.url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

function ownedBy(monitors: readonly TimerMonitorService[]): ReadonlySet<number>[] {
  return monitors.map((m) => m.leases?.owned ?? new Set<number>());
}

function fairlySettled(monitors: readonly TimerMonitorService[]): boolean {
  const owned = ownedBy(monitors);
  const all = new Set(owned.flatMap((o) => [...o]));
  const counts = owned.map((o) => o.size);
  return (
    all.size === shardCount &&
    counts.reduce((a, b) => a + b, 0) === shardCount &&
    Math.max(...counts) - Math.min(...counts) <= 1
  );
}

describe('timer monitor with shard leases (several replicas)', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let db: TestDatabase;
  let pool: pg.Pool;
  let monitors: TimerMonitorService[] = [];

  const leaseEnv = (): Record<string, string> => ({
    REDIS_URL: redis.url,
    LEASE_TTL_MS: '1000',
    LEASE_PREFIX: `test:${randomBytes(4).toString('hex')}:timer-monitor`,
    SHARD_COUNT: String(shardCount),
  });

  before(async () => {
    [redis] = (await startTestRedisServers(1)) as [RedisServer];
  });
  after(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterEach(async () => {
    await Promise.all(monitors.map((m) => m.stop()));
    monitors = [];
    await pool.end();
    await db.drop();
  });

  it('two monitors split the shards; each transition is made once, by the owner of its shard', async () => {
    const env = leaseEnv();
    monitors = await Promise.all([startTestMonitor(db.url, env), startTestMonitor(db.url, env)]);
    await waitFor('the shards to be split', () => (fairlySettled(monitors) ? true : undefined), {
      timeoutMs: 5000,
    });
    for (const m of monitors) {
      assert.equal(m.leases?.owned.size, shardCount / 2);
      // One slow heartbeat round on a loaded machine can show a single member for a moment
      // (ownership only moves once the view holds still), so wait for the settled answer.
      await waitFor('readyz 200 with the settled share (the cause shows the last answer)', async () => {
        const r = await readyz(m);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.checks['leases'], { ok: true, detail: 'owns 8 of 16 shards, 2 members' });
        return true;
      });
    }

    const byMonitor = monitors.map(() => new Set<string>());
    const foreign: string[] = [];
    monitors.forEach((m, i) => {
      m.monitor.on('transition', (t) => {
        byMonitor[i]?.add(t.gameId);
        if (!m.leases?.owned.has(shardOf(t.gameId, shardCount))) foreign.push(t.gameId);
      });
    });
    const rounds = 2;
    const phase = (i: number, k: number): number => 0.2 + ((i * 7 + k * 13) % 4) / 10;
    const ids = await createStartedGames(
      pool,
      300,
      (i) => ({ briefing: phase(i, 0), drawing: phase(i, 1), voting: phase(i, 2), results: phase(i, 3) }),
      rounds,
    );
    await waitAllCompleted(pool, ids, 30_000);

    await assertEachTransitionOnce(pool, ids, rounds);
    assert.deepEqual(foreign, [], 'no monitor advanced a game of a shard it did not own');
    for (const games of byMonitor) assert.ok(games.size > 50, `each monitor advanced games (${games.size})`);
    const both = [...(byMonitor[0] ?? [])].filter((id) => byMonitor[1]?.has(id));
    assert.deepEqual(both, [], 'no game was advanced by both monitors');
  });

  it('when one monitor stops, the other takes its shards over and its games still advance', async () => {
    const env = leaseEnv();
    monitors = await Promise.all([startTestMonitor(db.url, env), startTestMonitor(db.url, env)]);
    await waitFor('the shards to be split', () => (fairlySettled(monitors) ? true : undefined), {
      timeoutMs: 5000,
    });
    const [leaving, staying] = monitors as [TimerMonitorService, TimerMonitorService];
    await leaving.stop();
    await waitFor(
      'the other to own every shard',
      () => (staying.leases?.owned.size === shardCount ? true : undefined),
      {
        timeoutMs: 2000,
      },
    );
    const ids = await createStartedGames(
      pool,
      50,
      () => ({ briefing: 0.2, drawing: 0.2, voting: 0.2, results: 0.2 }),
      1,
    );
    await waitAllCompleted(pool, ids, 15_000);
  });

  it('with Redis unreachable it starts on the PostgreSQL fallback, owns every shard, is ready and says so', async () => {
    const [gone] = await startTestRedisServers(1);
    assert.ok(gone);
    await gone.stop();
    const monitor = await startTestMonitor(db.url, { ...leaseEnv(), REDIS_URL: gone.url });
    monitors = [monitor];
    assert.equal(monitor.leases?.owned.size, shardCount);
    const { status, body } = await readyz(monitor);
    assert.equal(status, 200);
    assert.equal(body.checks['leases']?.ok, true);
    assert.match(
      body.checks['leases']?.detail ?? '',
      /^owns 16 of 16 shards, 1 member; fallback: postgres; Redis unreachable: 0 of 1 nodes answered/,
    );
    const metrics = await (await fetch(`${monitor.url}/metrics`)).text();
    for (const name of [
      `sketchyaf_realtime_shards_owned{service="timer-monitor"} ${shardCount}`,
      `sketchyaf_realtime_shard_count{service="timer-monitor"} ${shardCount}`,
      'sketchyaf_realtime_lease_mode{mode="postgres",service="timer-monitor"} 1',
      'sketchyaf_realtime_lease_mode{mode="redis",service="timer-monitor"} 0',
      `sketchyaf_realtime_shards_owned_by_mode{mode="postgres",service="timer-monitor"} ${shardCount}`,
      'sketchyaf_realtime_lease_acquisitions_total',
      'sketchyaf_realtime_lease_losses_total{reason="redis_down",service="timer-monitor"} 0',
      'sketchyaf_realtime_lease_postgres_errors_total',
      'sketchyaf_realtime_lease_members',
    ]) {
      assert.ok(metrics.includes(name), `missing ${name}`);
    }
    const ids = await createStartedGames(
      pool,
      20,
      () => ({ briefing: 0.2, drawing: 0.2, voting: 0.2, results: 0.2 }),
      1,
    );
    await waitAllCompleted(pool, ids, 15_000);
  });

  it('without REDIS_URL owns every shard and has no leases check', async () => {
    const monitor = await startTestMonitor(db.url);
    monitors = [monitor];
    assert.equal(monitor.leases, null);
    // The LISTEN connection comes up just after start.
    const body = await waitFor('readyz 200', async () => {
      const r = await readyz(monitor);
      return r.status === 200 ? r.body : undefined;
    });
    assert.equal(body.checks['leases'], undefined);
  });
});

describe('timer monitor lease configuration', () => {
  it('reads a comma-separated REDIS_URL, LEASE_TTL_MS and LEASE_PREFIX, with defaults', () => {
    const none = loadTimerMonitorConfig({});
    assert.equal(none.redisUrls, null);
    assert.equal(none.leaseTtlMs, 5000);
    assert.equal(none.leasePrefix, 'sketchyaf:realtime:timer-monitor');
    const three = loadTimerMonitorConfig({
      REDIS_URL: 'redis://a:6379, redis://b:6379 ,rediss://c:6380',
      LEASE_TTL_MS: '2000',
      LEASE_PREFIX: 'staging:timers',
    });
    assert.deepEqual(three.redisUrls, ['redis://a:6379', 'redis://b:6379', 'rediss://c:6380']);
    assert.equal(three.leaseTtlMs, 2000);
    assert.equal(three.leasePrefix, 'staging:timers');
  });

  it('names every bad lease setting at once', () => {
    try {
      loadTimerMonitorConfig({ REDIS_URL: 'http://a', LEASE_TTL_MS: '10', LEASE_PREFIX: 'has space' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.problems.join('\n'), /REDIS_URL: must be a comma-separated list of URLs/);
      assert.match(err.problems.join('\n'), /LEASE_TTL_MS: must be at least 300/);
      assert.match(err.problems.join('\n'), /LEASE_PREFIX: must be letters/);
    }
  });
});
