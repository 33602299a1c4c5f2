import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { assignShards, targetShards } from '../src/index.ts';

const memberIds = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 });

function owners(assignment: ReadonlyMap<string, ReadonlySet<number>>): Map<number, string> {
  const owner = new Map<number, string>();
  for (const [member, shards] of assignment) {
    for (const shard of shards) {
      assert.ok(!owner.has(shard), `shard ${shard} assigned twice`);
      owner.set(shard, member);
    }
  }
  return owner;
}

describe('balanced rendezvous assignment', () => {
  it('assigns every shard to exactly one member, counts differing by at most one', () => {
    fc.assert(
      fc.property(memberIds, fc.integer({ min: 1, max: 300 }), (members, shardCount) => {
        const assignment = assignShards(members, shardCount);
        assert.deepEqual([...assignment.keys()].sort(), [...members].sort());
        const owner = owners(assignment);
        assert.equal(owner.size, shardCount);
        for (const shard of owner.keys()) assert.ok(shard >= 0 && shard < shardCount);
        const counts = [...assignment.values()].map((s) => s.size);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(',')}`);
        assert.equal(Math.min(...counts), Math.floor(shardCount / members.length));
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order in which members are listed (every replica computes the same)', () => {
    fc.assert(
      fc.property(memberIds, fc.integer({ min: 1, max: 200 }), (members, shardCount) => {
        const a = assignShards(members, shardCount);
        const b = assignShards([...members].reverse(), shardCount);
        for (const member of members)
          assert.deepEqual([...(a.get(member) ?? [])].sort(), [...(b.get(member) ?? [])].sort());
      }),
    );
  });

  it('gives each member its share with 1, 2 and 4 replicas of 64 shards', () => {
    for (const n of [1, 2, 4]) {
      const members = Array.from({ length: n }, (_, i) => `replica-${i}`);
      const counts = [...assignShards(members, 64).values()].map((s) => s.size);
      assert.deepEqual(counts, new Array<number>(n).fill(64 / n));
    }
  });

  it('handles more members than shards (some own nothing) and no members at all', () => {
    const assignment = assignShards(['a', 'b', 'c', 'd', 'e'], 3);
    assert.deepEqual([...assignment.values()].map((s) => s.size).sort(), [0, 0, 1, 1, 1]);
    assert.equal(assignShards([], 8).size, 0);
  });

  it('moves few shards when a member joins or leaves (rendezvous stability)', () => {
    const shardCount = 256;
    for (const n of [2, 3, 4, 8]) {
      const members = Array.from({ length: n }, (_, i) => `pod-${i}-7f3a`);
      const before = owners(assignShards(members, shardCount));
      const joined = owners(assignShards([...members, 'pod-new-19cd'], shardCount));
      const movedOnJoin = [...before].filter(([shard, owner]) => joined.get(shard) !== owner).length;
      const ideal = shardCount / (n + 1);
      // The newcomer's share must move; balancing costs a little more, never a reshuffle.
      assert.ok(movedOnJoin >= Math.floor(ideal), `moved ${movedOnJoin} on join of ${n + 1}`);
      assert.ok(movedOnJoin <= 1.5 * ideal + 2, `moved ${movedOnJoin} on join of ${n + 1} (ideal ${ideal})`);

      const left = owners(assignShards(members.slice(1), shardCount));
      const movedOnLeave = [...before].filter(([shard, owner]) => left.get(shard) !== owner).length;
      const leaverShare = shardCount / n;
      assert.ok(movedOnLeave <= 1.5 * leaverShare + 2, `moved ${movedOnLeave} on leave of 1 of ${n}`);
      // Shards of the members that stayed mostly stay where they were.
      for (const [shard, owner] of before) {
        if (owner === members[0]) assert.notEqual(left.get(shard), owner);
      }
    }
  });

  it('targetShards counts the caller even when it is missing from the list', () => {
    assert.equal(targetShards('me', ['other'], 10).size, 5);
    assert.equal(targetShards('me', [], 10).size, 10);
    assert.deepEqual(targetShards('a', ['a', 'b'], 10), assignShards(['a', 'b'], 10).get('a'));
  });

  it('assigns 4096 shards over 32 replicas, every shard once, 128 each', () => {
    const members = Array.from({ length: 32 }, (_, i) => `replica-${i}`);
    const assignment = assignShards(members, 4096);
    assert.equal(owners(assignment).size, 4096);
    for (const shards of assignment.values()) assert.equal(shards.size, 128);
  });
});
