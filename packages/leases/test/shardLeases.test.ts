import { strict as assert } from 'node:assert';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createTestDatabase,
  startTestRedisServer,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { LeaseError, describeLeaseReadiness } from '../src/index.ts';
import {
  CuttableProxy,
  Replicas,
  metricValue,
  settled,
  testPrefix,
  ttlMs,
  waitRounds,
  waitSettled,
  watchOwnership,
} from './helpers.ts';

const poll = { intervalMs: 10 };

describe('ShardLeases on real Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let direct: Redis;
  let replicas: Replicas;
  let db: TestDatabase;

  before(async () => {
    [redis] = (await startTestRedisServers(1)) as [RedisServer];
    direct = new Redis(redis.url);
    db = await createTestDatabase();
  });
  after(async () => {
    direct.disconnect();
    await redis.stop();
    await db.drop();
  });
  beforeEach(() => {
    replicas = new Replicas(db.url);
  });
  afterEach(async () => {
    await replicas.stopAll();
  });

  for (const count of [1, 2, 4]) {
    it(`settles ${count} replica(s) on a fair share: every shard owned once, counts within one`, async () => {
      const prefix = testPrefix();
      const shardCount = 10;
      const started = performance.now();
      const all = await Promise.all(
        Array.from({ length: count }, () => replicas.start({ prefix, shardCount, urls: [redis.url] })),
      );
      // Settled means every replica also sees all the others: one slow heartbeat round on a
      // loaded machine can show fewer members for a moment.
      await waitSettled(
        'a fair settlement',
        () => all.map((r) => r.leases.owned),
        shardCount,
        4 * ttlMs,
        () => all.every((r) => r.leases.status().members === count),
      );
      const elapsed = performance.now() - started;
      for (const { leases, registry } of all) {
        const status = leases.status();
        assert.equal(status.members, count);
        assert.equal(status.owned, status.target, 'each owns exactly its target');
        assert.equal(status.problem, undefined);
        assert.equal(await metricValue(registry, 'sketchyaf_realtime_shards_owned'), status.owned);
        assert.equal(await metricValue(registry, 'sketchyaf_realtime_shard_count'), shardCount);
        assert.equal(await metricValue(registry, 'sketchyaf_realtime_lease_members'), count);
        for (const shard of leases.owned) assert.ok(leases.isValid(shard));
      }
      assert.ok(elapsed < 3 * ttlMs, `cold start settled in ${elapsed.toFixed(0)} ms`);
    });
  }

  it('settles within 2x TTL after a replica joins, never owning a shard twice', async () => {
    const prefix = testPrefix();
    const shardCount = 12;
    const first = await Promise.all(
      [1, 2].map(() => replicas.start({ prefix, shardCount, urls: [redis.url] })),
    );
    await waitSettled('two settled', () => first.map((r) => r.leases.owned), shardCount, 4 * ttlMs);
    const joinedAt = performance.now();
    const third = await replicas.start({ prefix, shardCount, urls: [redis.url] });
    const all = [...first, third];
    await waitSettled('three settled', () => all.map((r) => r.leases.owned), shardCount, 3 * ttlMs);
    const elapsed = performance.now() - joinedAt;
    assert.deepEqual(
      all.map((r) => r.leases.owned.size),
      [4, 4, 4],
    );
    assert.ok(elapsed <= 2 * ttlMs, `join settled in ${elapsed.toFixed(0)} ms`);
  });

  it('settles within 2x TTL after a replica crashes (SIGKILL: no release, no goodbye)', async () => {
    const prefix = testPrefix();
    const shardCount = 12;
    const inProcess = await Promise.all(
      [1, 2].map(() => replicas.start({ prefix, shardCount, urls: [redis.url] })),
    );
    const doomed = await replicas.startProcess(prefix, shardCount, [redis.url]);
    const owners = (): ReadonlySet<number>[] => [...inProcess.map((r) => r.leases.owned), doomed.owned];
    await waitSettled('three settled', owners, shardCount, 4 * ttlMs);
    assert.equal(doomed.owned.size, 4);
    doomed.child.kill('SIGKILL');
    const killedAt = performance.now();
    await waitSettled('two settled', () => inProcess.map((r) => r.leases.owned), shardCount, 3 * ttlMs);
    const elapsed = performance.now() - killedAt;
    assert.deepEqual(
      inProcess.map((r) => r.leases.owned.size),
      [6, 6],
    );
    assert.ok(elapsed <= 2 * ttlMs, `crash settled in ${elapsed.toFixed(0)} ms`);
  });

  it('stop() releases at once: the others take over within a round, and stopping twice is fine', async () => {
    const prefix = testPrefix();
    const shardCount = 8;
    const [a, b] = await Promise.all(
      [1, 2].map(() => replicas.start({ prefix, shardCount, urls: [redis.url] })),
    );
    assert.ok(a && b);
    await waitSettled('settled', () => [a.leases.owned, b.leases.owned], shardCount, 4 * ttlMs);
    const signals = [...a.leases.owned].map((s) => a.leases.signal(s));
    const stoppedAt = performance.now();
    await Promise.all([a.leases.stop(), a.leases.stop()]);
    assert.equal(a.leases.owned.size, 0);
    assert.ok(
      signals.every((s) => s.aborted && s.reason instanceof LeaseError && s.reason.reason === 'released'),
    );
    // b may hold a Redlock just before taking the row, so Redis alone says little; the rows say it all.
    const rows = new pg.Client({ connectionString: db.url });
    await rows.connect();
    try {
      const { rows: left } = await rows.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM realtime_shard_leases WHERE lease_prefix = $1 AND owner = $2)::int
              + (SELECT count(*) FROM realtime_lease_members WHERE lease_prefix = $1 AND member = $2)::int AS n`,
        [prefix, a.leases.memberId],
      );
      assert.equal(left[0]?.n, 0, 'its rows and its membership are gone at once');
    } finally {
      await rows.end();
    }
    assert.equal(
      await direct.zscore(`${prefix}:members`, a.leases.memberId),
      null,
      'left the Redis membership',
    );
    await waitFor('b owns everything', () => (b.leases.owned.size === shardCount ? true : undefined), {
      ...poll,
      timeoutMs: 2 * ttlMs,
    });
    const elapsed = performance.now() - stoppedAt;
    assert.ok(elapsed < ttlMs, `took over in ${elapsed.toFixed(0)} ms, before any lease could expire`);
    assert.equal(
      await metricValue(a.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'expired' }),
      0,
    );
  });

  it('a replica cut off from Redis keeps its shards on PostgreSQL; the others never take them meanwhile', async () => {
    const prefix = testPrefix();
    const shardCount = 8;
    const proxy = new CuttableProxy(redis.port);
    await proxy.open();
    const cutOff = await replicas.start({ prefix, shardCount, urls: [proxy.url] });
    const other = await replicas.start({ prefix, shardCount, urls: [redis.url] });
    await waitSettled('settled', () => [cutOff.leases.owned, other.leases.owned], shardCount, 4 * ttlMs);
    const held = [...cutOff.leases.owned];
    const signals = held.map((s) => cutOff.leases.signal(s));
    const watch = watchOwnership([cutOff, other], shardCount);
    const redlockKeys = held.map((s) => `${prefix}:shard:${s}`);
    assert.equal(
      await direct.exists(...redlockKeys),
      held.length,
      'each held shard on a Redlock before the cut',
    );
    await proxy.cut();
    await waitFor(
      'the cut-off replica on the fallback',
      () => (cutOff.leases.status().mode === 'postgres' ? true : undefined),
      {
        ...poll,
        timeoutMs: 2 * ttlMs,
      },
    );
    // Past every Redlock the cut-off replica held: Redis would now let the other take them,
    // and the other has had two full rounds to try.
    await waitFor(
      'every Redlock of the cut-off replica expired in Redis',
      async () => ((await direct.exists(...redlockKeys)) === 0 ? true : undefined),
      { intervalMs: 20, timeoutMs: 2 * ttlMs },
    );
    await waitRounds('two rounds of the other replica since', [other], 2, 2 * ttlMs);
    assert.deepEqual([...cutOff.leases.owned].sort(), held.sort(), 'kept every shard, no gap');
    assert.ok(
      signals.every((s) => !s.aborted),
      'no signal aborted: the work never paused',
    );
    assert.equal(other.leases.status().mode, 'redis');
    const status = cutOff.leases.status();
    assert.equal(status.problem?.reason, 'redis_down');
    const readiness = describeLeaseReadiness(status);
    assert.equal(readiness.ok, true);
    assert.match(readiness.detail, /fallback: postgres; Redis unreachable: 0 of 1 nodes answered/);
    assert.equal(
      await metricValue(cutOff.registry, 'sketchyaf_realtime_lease_mode', { mode: 'postgres' }),
      1,
    );
    assert.equal(
      await metricValue(cutOff.registry, 'sketchyaf_realtime_shards_owned_by_mode', { mode: 'postgres' }),
      held.length,
    );
    assert.equal(
      await metricValue(cutOff.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'redis_down' }),
      0,
    );

    // Back on the network: Redlock again, a fair split, and still never a shard held twice.
    await proxy.open();
    await waitSettled(
      'settled again on Redis',
      () => [cutOff.leases.owned, other.leases.owned],
      shardCount,
      6 * ttlMs,
      () => cutOff.leases.status().mode === 'redis' && cutOff.leases.status().problem === undefined,
    );
    const figures = watch.stop();
    console.log(
      `    mixed mode: ${figures.samples} samples, ${figures.unowned} with a shard unowned, 0 twice`,
    );
    // The mode turns at the start of a round, its Redlocks come later in it.
    await waitFor(
      'every shard of the cut-off replica on a Redlock again',
      async () =>
        (await metricValue(cutOff.registry, 'sketchyaf_realtime_shards_owned_by_mode', { mode: 'redis' })) ===
        cutOff.leases.owned.size
          ? true
          : undefined,
      { ...poll, timeoutMs: 2 * ttlMs },
    );
    await proxy.cut();
  });

  it('mixed from the start: a replica with a wrong REDIS_URL and two on Redis never hold a shard twice', async () => {
    const [gone] = await startTestRedisServers(1);
    assert.ok(gone);
    await gone.stop();
    const prefix = testPrefix();
    const shardCount = 12;
    const all = await Promise.all([
      replicas.start({ prefix, shardCount, urls: [gone.url] }),
      replicas.start({ prefix, shardCount, urls: [redis.url] }),
      replicas.start({ prefix, shardCount, urls: [redis.url] }),
    ]);
    const watch = watchOwnership(all, shardCount);
    await waitFor(
      'every shard owned',
      () => (all.reduce((n, r) => n + r.leases.owned.size, 0) === shardCount ? true : undefined),
      { ...poll, timeoutMs: 4 * ttlMs },
    );
    // The window is the test: three TTLs of mixed-mode rounds watched for a shard owned twice.
    await new Promise((resolve) => setTimeout(resolve, 3 * ttlMs));
    const figures = watch.stop();
    // The Redis-mode replicas count the cut-off one in (its row says it is on the fallback): a fair split.
    await waitSettled('a fair split', () => all.map((r) => r.leases.owned), shardCount, 4 * ttlMs);
    assert.deepEqual(
      all.map((r) => r.leases.status().mode),
      ['postgres', 'redis', 'redis'],
    );
    assert.equal(
      all.reduce((n, r) => n + r.leases.owned.size, 0),
      shardCount,
      'every shard held, once',
    );
    console.log(
      `    wrong REDIS_URL on one of three: owned ${all.map((r) => r.leases.owned.size).join('/')}; ` +
        `${figures.samples} samples, 0 twice`,
    );
  });

  it('Redis killed: every shard stays owned by exactly one replica, then all go back on Redlock', async () => {
    const [node] = await startTestRedisServers(1);
    assert.ok(node);
    let restarted: RedisServer | undefined;
    try {
      const prefix = testPrefix();
      const shardCount = 12;
      const all = await Promise.all(
        [1, 2, 3].map(() => replicas.start({ prefix, shardCount, urls: [node.url] })),
      );
      const owners = (): ReadonlySet<number>[] => all.map((r) => r.leases.owned);
      await waitSettled('settled on Redis', owners, shardCount, 4 * ttlMs);
      const watch = watchOwnership(all, shardCount);
      await node.kill();
      const killedAt = performance.now();
      await waitFor(
        'all on the fallback',
        () => (all.every((r) => r.leases.status().mode === 'postgres') ? true : undefined),
        {
          ...poll,
          timeoutMs: 2 * ttlMs,
        },
      );
      const fallbackMs = performance.now() - killedAt;
      // Down long enough that every Redlock has run out: the shards are held on PostgreSQL alone,
      // and every replica has renewed them there twice since.
      await waitFor(
        'no shard left on a Redlock',
        async () => {
          for (const r of all) {
            if (
              (await metricValue(r.registry, 'sketchyaf_realtime_shards_owned_by_mode', { mode: 'redis' })) >
              0
            )
              return undefined;
          }
          return true;
        },
        { ...poll, timeoutMs: 3 * ttlMs },
      );
      await waitRounds('two rounds of every replica on PostgreSQL alone', all, 2, 2 * ttlMs);
      const during = watch.snapshot();
      assert.equal(during.unowned, 0, 'every shard owned at every sample while Redis is down');
      assert.ok(settled(owners(), shardCount));
      for (const r of all) {
        assert.equal(
          await metricValue(r.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'redis_down' }),
          0,
        );
        assert.equal(
          await metricValue(r.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'expired' }),
          0,
        );
      }

      restarted = await startTestRedisServer(node.port);
      const backAt = performance.now();
      await waitSettled('settled on Redis again', owners, shardCount, 6 * ttlMs, () =>
        all.every((r) => r.leases.status().mode === 'redis' && r.leases.status().members === 3),
      );
      const handbackMs = performance.now() - backAt;
      const figures = watch.stop();
      console.log(
        `    Redis killed: fallback on every replica ${fallbackMs.toFixed(0)} ms after; ${during.samples} samples ` +
          `while down, none unowned; back on Redis and settled ${handbackMs.toFixed(0)} ms after its return ` +
          `(${figures.unowned} of ${figures.samples} samples with a shard unowned in the handover); 0 owned twice`,
      );
      for (const r of all) {
        assert.equal(await metricValue(r.registry, 'sketchyaf_realtime_lease_mode', { mode: 'redis' }), 1);
        // The mode turns at the start of a round, its Redlocks come later in it.
        await waitFor(
          'every held shard on a Redlock again',
          async () =>
            (await metricValue(r.registry, 'sketchyaf_realtime_shards_owned_by_mode', { mode: 'redis' })) ===
            r.leases.owned.size
              ? true
              : undefined,
          { ...poll, timeoutMs: 2 * ttlMs },
        );
      }
      assert.ok(handbackMs <= 6 * ttlMs);
    } finally {
      await replicas.stopAll();
      await restarted?.stop();
      await node.stop();
    }
  });

  it('classifies a lease taken over by another owner as held_elsewhere and drops it at once', async () => {
    const prefix = testPrefix();
    const shardCount = 4;
    // Shard 0 is held by a foreign owner before the replica starts.
    await direct.set(`${prefix}:shard:0`, 'foreign', 'PX', 2 * ttlMs);
    const { leases, registry } = await replicas.start({ prefix, shardCount, urls: [redis.url] });
    await waitFor('three shards', () => (leases.owned.size === 3 ? true : undefined), {
      ...poll,
      timeoutMs: ttlMs,
    });
    assert.ok(!leases.owned.has(0));
    assert.ok(
      (await metricValue(registry, 'sketchyaf_realtime_lease_acquisition_failures_total', {
        reason: 'held_elsewhere',
      })) > 0,
    );

    const signal = leases.signal(2);
    await direct.set(`${prefix}:shard:2`, 'usurper', 'PX', 5 * ttlMs);
    const takenAt = performance.now();
    await waitFor('shard 2 dropped', () => (leases.owned.has(2) ? undefined : true), {
      ...poll,
      timeoutMs: ttlMs,
    });
    assert.ok(performance.now() - takenAt < ttlMs / 2, 'dropped at the next extension, not at expiry');
    assert.ok(signal.aborted);
    assert.ok(signal.reason instanceof LeaseError);
    assert.equal(signal.reason.reason, 'held_elsewhere');
    assert.equal(signal.reason.name, 'LeaseHeldElsewhereError');
    assert.equal(
      await metricValue(registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'held_elsewhere' }),
      1,
    );
    assert.equal(
      await metricValue(registry, 'sketchyaf_realtime_lease_extension_failures_total', {
        reason: 'held_elsewhere',
      }),
      1,
    );
    // The foreign key on shard 0 expires: the replica takes it.
    await waitFor('shard 0 acquired', () => (leases.owned.has(0) ? true : undefined), {
      ...poll,
      timeoutMs: 3 * ttlMs,
    });
    assert.equal(await direct.get(`${prefix}:shard:2`), 'usurper', 'never overwrites another owner');
  });

  it('with three Redis nodes: a hung node and a dead one are tolerated one at a time; two down is no quorum', async () => {
    const nodes = await startTestRedisServers(3);
    try {
      const urls = nodes.map((n) => n.url);
      const prefix = testPrefix();
      const shardCount = 6;
      const [a, b] = await Promise.all([1, 2].map(() => replicas.start({ prefix, shardCount, urls })));
      assert.ok(a && b);
      await waitSettled('settled', () => [a.leases.owned, b.leases.owned], shardCount, 4 * ttlMs);

      nodes[0]?.pause(); // hung: answers nothing, the command timeout turns it into a "no" vote
      // The windows here are the test: each lasts past a TTL, so a lease not renewed would be lost.
      await new Promise((resolve) => setTimeout(resolve, 2 * ttlMs));
      assert.ok(settled([a.leases.owned, b.leases.owned], shardCount), 'still settled with one node hung');
      for (const r of [a, b]) {
        assert.equal(
          await metricValue(r.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'no_quorum' }),
          0,
        );
        assert.equal(r.leases.status().problem, undefined);
        assert.equal(await metricValue(r.registry, 'sketchyaf_realtime_lease_redis_nodes_up'), 2);
      }
      nodes[0]?.resume();
      await nodes[0]?.kill();
      await new Promise((resolve) => setTimeout(resolve, ttlMs));
      assert.ok(settled([a.leases.owned, b.leases.owned], shardCount), 'still settled with one node dead');

      await nodes[1]?.kill();
      await waitFor(
        'both on the fallback',
        () =>
          a.leases.status().mode === 'postgres' && b.leases.status().mode === 'postgres' ? true : undefined,
        { ...poll, timeoutMs: 2 * ttlMs },
      );
      await new Promise((resolve) => setTimeout(resolve, 2 * ttlMs));
      assert.ok(settled([a.leases.owned, b.leases.owned], shardCount), 'still settled without a quorum');
      for (const r of [a, b]) {
        const status = r.leases.status();
        assert.equal(status.problem?.reason, 'no_quorum');
        assert.match(
          describeLeaseReadiness(status).detail,
          /fallback: postgres; no Redis quorum: 1 of 3 nodes answered/,
        );
        assert.equal(
          await metricValue(r.registry, 'sketchyaf_realtime_lease_losses_total', { reason: 'no_quorum' }),
          0,
        );
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('starts on the PostgreSQL fallback when Redis is down, without failing start()', async () => {
    const [gone] = await startTestRedisServers(1);
    assert.ok(gone);
    await gone.stop();
    const started = performance.now();
    const { leases, registry } = await replicas.start({
      prefix: testPrefix(),
      shardCount: 4,
      urls: [gone.url],
    });
    const startMs = performance.now() - started;
    assert.ok(startMs < ttlMs, `start() took ${startMs.toFixed(0)} ms`);
    assert.equal(leases.owned.size, 4);
    assert.equal(leases.status().mode, 'postgres');
    assert.equal(leases.status().problem?.reason, 'redis_down');
    assert.equal(await metricValue(registry, 'sketchyaf_realtime_lease_redis_nodes_up'), 0);
    assert.equal(await metricValue(registry, 'sketchyaf_realtime_lease_mode', { mode: 'postgres' }), 1);
    const readiness = describeLeaseReadiness(leases.status());
    assert.equal(readiness.ok, true);
    assert.match(readiness.detail, /fallback: postgres; Redis unreachable/);
  });

  it('a frozen holder (SIGSTOP) loses its shards to the others within 2x TTL, on the fallback too', async () => {
    const [gone] = await startTestRedisServers(1);
    assert.ok(gone);
    await gone.stop();
    const prefix = testPrefix();
    const shardCount = 12;
    const inProcess = await Promise.all(
      [1, 2].map(() => replicas.start({ prefix, shardCount, urls: [gone.url] })),
    );
    const frozen = await replicas.startProcess(prefix, shardCount, [gone.url]);
    const owners = (): ReadonlySet<number>[] => [...inProcess.map((r) => r.leases.owned), frozen.owned];
    await waitSettled('three settled on the fallback', owners, shardCount, 6 * ttlMs);
    frozen.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    try {
      await waitFor(
        'the others to own every shard',
        () => (inProcess.reduce((n, r) => n + r.leases.owned.size, 0) === shardCount ? true : undefined),
        { ...poll, timeoutMs: 3 * ttlMs },
      );
      const elapsed = performance.now() - frozenAt;
      console.log(`    fallback takeover from a frozen replica: ${elapsed.toFixed(0)} ms (TTL ${ttlMs} ms)`);
      assert.ok(elapsed <= 2 * ttlMs, `takeover in ${elapsed.toFixed(0)} ms`);
    } finally {
      frozen.child.kill('SIGCONT');
    }
  });
});
