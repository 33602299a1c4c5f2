import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { assignShards, leaseMembersOf, leaseModeOf, planRound, type RoundInput } from '../src/index.ts';

const set = (...values: number[]): ReadonlySet<number> => new Set(values);

describe('lease mode', () => {
  it('is redis while a quorum answers and postgres from the first round it does not', () => {
    assert.equal(leaseModeOf(true), 'redis');
    assert.equal(leaseModeOf(false), 'postgres');
  });
});

describe('lease members', () => {
  const postgres = { members: ['a', 'b', 'c'], onFallback: ['c'] };

  it('on the fallback: every live member row', () => {
    assert.deepEqual(leaseMembersOf('postgres', undefined, postgres), ['a', 'b', 'c']);
    assert.equal(leaseMembersOf('postgres', undefined, undefined), undefined);
  });

  it('on Redis: the Redis members plus those on the fallback, so both sides compute the same split', () => {
    assert.deepEqual(leaseMembersOf('redis', ['b', 'a'], postgres), ['a', 'b', 'c']);
    assert.deepEqual(leaseMembersOf('redis', ['a', 'b'], undefined), ['a', 'b']);
    assert.equal(leaseMembersOf('redis', undefined, postgres), undefined);
    const cutOff = leaseMembersOf('postgres', undefined, postgres);
    const onRedis = leaseMembersOf('redis', ['a', 'b'], postgres);
    assert.deepEqual(cutOff, onRedis);
  });
});

describe('planRound', () => {
  const base: RoundInput = {
    mode: 'redis',
    target: set(0, 1, 2),
    stable: true,
    held: set(0, 1),
    redlocked: set(0, 1),
    heldByOthers: set(),
  };

  it('in Redis mode: extends held Redlocks, acquires the Redlock of a free targeted shard before taking it', () => {
    assert.deepEqual(planRound(base), {
      release: [],
      keep: [0, 1],
      take: [2],
      redlockExtend: [0, 1],
      redlockAcquire: [2],
      redlockRelease: [],
    });
  });

  it('never takes a shard another replica holds live in PostgreSQL, in either mode', () => {
    for (const mode of ['redis', 'postgres'] as const) {
      const plan = planRound({ ...base, mode, heldByOthers: set(2) });
      assert.deepEqual(plan.take, [], mode);
      assert.deepEqual(plan.redlockAcquire, [], mode);
    }
  });

  it('takes nothing when PostgreSQL did not answer, but keeps what it holds', () => {
    const plan = planRound({ ...base, heldByOthers: undefined });
    assert.deepEqual(plan.take, []);
    assert.deepEqual(plan.keep, [0, 1]);
  });

  it('gives shards away only once the membership held still', () => {
    const moved = { ...base, target: set(1, 2) };
    assert.deepEqual(planRound({ ...moved, stable: false }).release, []);
    assert.deepEqual(planRound({ ...moved, stable: false }).keep, [0, 1]);
    const plan = planRound(moved);
    assert.deepEqual(plan.release, [0]);
    assert.deepEqual(plan.keep, [1]);
    assert.deepEqual(plan.redlockExtend, [1]);
  });

  it('in fallback: keeps its holds and takes free targeted shards, with no Redlock operation', () => {
    assert.deepEqual(planRound({ ...base, mode: 'postgres', redlocked: set() }), {
      release: [],
      keep: [0, 1],
      take: [2],
      redlockExtend: [],
      redlockAcquire: [],
      redlockRelease: [],
    });
  });

  it('handing back to Redis: re-acquires the Redlock of every shard held on PostgreSQL alone, keeping them', () => {
    const plan = planRound({ ...base, redlocked: set(), stable: false, target: set(5) });
    assert.deepEqual(plan.keep, [0, 1]);
    assert.deepEqual(plan.redlockAcquire, [0, 1, 5]);
    assert.deepEqual(plan.release, []);
  });

  it('releases a Redlock on a shard it neither keeps nor takes', () => {
    assert.deepEqual(planRound({ ...base, redlocked: set(0, 1, 7) }).redlockRelease, [7]);
  });

  it('property: keep and release split the held shards; takes are targeted, free and not held', () => {
    const shards = fc.uniqueArray(fc.nat(15), { maxLength: 16 }).map((a) => new Set(a));
    fc.assert(
      fc.property(
        fc.constantFrom('redis' as const, 'postgres' as const),
        shards,
        fc.boolean(),
        shards,
        shards,
        fc.option(shards, { nil: undefined }),
        (mode, target, stable, held, redlocked, heldByOthers) => {
          const plan = planRound({ mode, target, stable, held, redlocked, heldByOthers });
          assert.deepEqual(
            [...plan.keep, ...plan.release].sort((a, b) => a - b),
            [...held].sort((a, b) => a - b),
          );
          for (const s of plan.release) assert.ok(stable && !target.has(s));
          for (const s of plan.take) assert.ok(target.has(s) && !held.has(s) && !heldByOthers?.has(s));
          if (mode === 'postgres') {
            assert.equal(
              plan.redlockExtend.length + plan.redlockAcquire.length + plan.redlockRelease.length,
              0,
            );
          } else {
            const wanted = new Set([...plan.keep, ...plan.take]);
            assert.deepEqual(new Set([...plan.redlockExtend, ...plan.redlockAcquire]), wanted);
            for (const s of plan.redlockExtend) assert.ok(redlocked.has(s));
            for (const s of plan.redlockRelease) assert.ok(redlocked.has(s) && !wanted.has(s));
          }
        },
      ),
    );
  });

  it('in fallback, replicas that agree on the membership take every shard exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 32 }), (count, shardCount) => {
        const members = Array.from({ length: count }, (_, i) => `m${i}`);
        const targets = assignShards(members, shardCount);
        const holder = new Map<number, string>();
        // Each takes in turn, seeing the others' holds: the PostgreSQL rows serialise the takes.
        for (const member of members) {
          const plan = planRound({
            mode: 'postgres',
            target: targets.get(member) ?? set(),
            stable: true,
            held: set(),
            redlocked: set(),
            heldByOthers: new Set(holder.keys()),
          });
          for (const s of plan.take) holder.set(s, member);
        }
        assert.equal(holder.size, shardCount);
      }),
    );
  });
});
