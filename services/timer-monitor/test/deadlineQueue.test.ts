import { strict as assert } from 'node:assert';
import { DeadlineQueue } from '../src/index.ts';

describe('DeadlineQueue', () => {
  it('hands out due deadlines earliest first, up to a limit', () => {
    const q = new DeadlineQueue();
    q.upsert('c', 1, 300);
    q.upsert('a', 1, 100);
    q.upsert('b', 1, 200);
    q.upsert('d', 1, 900);
    assert.deepEqual(
      q.takeDue(250, 10).map((d) => d.gameId),
      ['a', 'b'],
    );
    assert.deepEqual(
      q.takeDue(1000, 1).map((d) => d.gameId),
      ['c'],
    );
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.gameId, 'd');
  });

  it('moves a deadline when a newer or equal version changes it, and ignores older versions', () => {
    const q = new DeadlineQueue();
    q.upsert('g', 2, 500);
    assert.equal(q.upsert('g', 1, 100), false, 'older version is stale');
    assert.equal(q.peek()?.at, 500);
    q.upsert('g', 2, 700); // same version, deadline extended by the backend
    assert.deepEqual(q.takeDue(600, 10), []);
    q.upsert('g', 3, 50);
    assert.deepEqual(q.takeDue(600, 10), [{ gameId: 'g', version: 3, at: 50, startedAt: undefined }]);
  });

  it('removes a game whose timer stopped (deadline null)', () => {
    const q = new DeadlineQueue();
    q.upsert('g', 1, 100);
    q.upsert('g', 2, null);
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
  });

  it('stays correct under many random moves (against a sorted reference)', () => {
    const q = new DeadlineQueue();
    const reference = new Map<string, { version: number; at: number }>();
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i += 1) {
      const id = `g${rand(500)}`;
      const held = reference.get(id);
      const version = (held?.version ?? 0) + rand(2);
      const at = rand(10) === 0 ? null : rand(100_000);
      q.upsert(id, version, at);
      if (at === null) reference.delete(id);
      else reference.set(id, { version, at });
    }
    const expected = [...reference.entries()].filter(([, v]) => v.at <= 50_000);
    const taken = q.takeDue(50_000, 100_000);
    // Earliest first; deadlines of one millisecond come in any order.
    assert.deepEqual(
      taken.map((d) => d.at),
      expected.map(([, v]) => v.at).sort((x, y) => x - y),
    );
    assert.deepEqual(
      taken.map((d) => `${d.gameId}@${d.version}`).sort(),
      expected.map(([id, v]) => `${id}@${v.version}`).sort(),
    );
    assert.equal(q.countBefore(Number.POSITIVE_INFINITY), reference.size - expected.length);
  });

  it('hands out a fraction of a millisecond late, never early, and says when it will', () => {
    const q = new DeadlineQueue();
    q.upsert('a', 1, 100.25);
    q.upsert('b', 1, 100.75);
    q.upsert('c', 1, 101.5);
    assert.equal(q.nextDueAt(), 101);
    assert.deepEqual(q.takeDue(100.9, 10), [], 'b is not due at 100.9');
    assert.deepEqual(
      q
        .takeDue(101, 10)
        .map((d) => d.gameId)
        .sort(),
      ['a', 'b'],
    );
    assert.equal(q.nextDueAt(), 102);
  });

  it('takes a crowd of deadlines at one instant in limited slices, each game once', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 10_000; i += 1) q.upsert(`g${i}`, 1, 5000);
    q.upsert('g7', 2, 9000); // moved away before the instant
    const seen = new Set<string>();
    for (let slice = q.takeDue(5000, 2500); slice.length > 0; slice = q.takeDue(5000, 2500)) {
      assert.ok(slice.length <= 2500);
      for (const d of slice) {
        assert.ok(!seen.has(d.gameId), `${d.gameId} twice`);
        seen.add(d.gameId);
      }
    }
    assert.equal(seen.size, 9_999);
    assert.ok(!seen.has('g7'));
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.gameId, 'g7');
  });

  it('keeps only the latest deadline of a game moved 50,000 times', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 50_000; i += 1) q.upsert('g', i, 1000 + i);
    assert.equal(q.size, 1);
    assert.equal(q.nextDueAt(), 50_999);
    assert.deepEqual(q.takeDue(50_999, 10), [
      { gameId: 'g', version: 49_999, at: 50_999, startedAt: undefined },
    ]);
    assert.equal(q.nextDueAt(), undefined);
  });

  it('drops the games of shards no longer owned', () => {
    const q = new DeadlineQueue();
    for (const id of ['a1', 'a2', 'b1']) q.upsert(id, 1, 10);
    assert.equal(
      q.removeWhere((id) => id.startsWith('a')),
      2,
    );
    assert.deepEqual(
      q.takeDue(100, 10).map((d) => d.gameId),
      ['b1'],
    );
  });
});
