import { strict as assert } from 'node:assert';
import { DeadlineQueue } from '../src/index.ts';

/** A uuid for a small number: the queue holds uuids only (the database's game ids). */
const gid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('DeadlineQueue', () => {
  it('hands out due deadlines earliest first, up to a limit', () => {
    const q = new DeadlineQueue();
    q.upsert(gid(3), 1, 300);
    q.upsert(gid(1), 1, 100);
    q.upsert(gid(2), 1, 200);
    q.upsert(gid(4), 1, 900);
    assert.deepEqual(
      q.takeDue(250, 10).map((d) => d.gameId),
      [gid(1), gid(2)],
    );
    assert.deepEqual(
      q.takeDue(1000, 1).map((d) => d.gameId),
      [gid(3)],
    );
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.gameId, gid(4));
  });

  it('moves a deadline when a newer or equal version changes it, and ignores older versions', () => {
    const q = new DeadlineQueue();
    const g = gid(7);
    q.upsert(g, 2, 500);
    assert.equal(q.upsert(g, 1, 100), false, 'older version is stale');
    assert.equal(q.peek()?.at, 500);
    q.upsert(g, 2, 700); // same version, deadline extended by the backend
    assert.deepEqual(q.takeDue(600, 10), []);
    q.upsert(g, 3, 50);
    assert.deepEqual(q.takeDue(600, 10), [{ gameId: g, version: 3, at: 50, startedAt: undefined }]);
  });

  it('keeps the phase start across a moved deadline of the same version, and forgets it for a new version', () => {
    const q = new DeadlineQueue();
    const g = gid(8);
    q.upsert(g, 1, 500, 100);
    q.upsert(g, 1, 600); // NOTIFY: no phase start
    assert.equal(q.peek()?.startedAt, 100);
    q.upsert(g, 2, 700);
    assert.equal(q.peek()?.startedAt, undefined);
    q.upsert(g, 3, 800, 650);
    assert.equal(q.peek()?.startedAt, 650);
  });

  it('removes a game whose timer stopped (deadline null)', () => {
    const q = new DeadlineQueue();
    q.upsert(gid(1), 1, 100);
    q.upsert(gid(1), 2, null);
    assert.equal(q.size, 0);
    assert.equal(q.has(gid(1)), false);
    assert.equal(q.peek(), undefined);
  });

  it('stays correct under many random moves and removals (against a sorted reference)', () => {
    const q = new DeadlineQueue();
    const reference = new Map<string, { version: number; at: number }>();
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // 5,000 ids: the slot arrays and the id table grow several times, and removals shift probe chains.
    for (let i = 0; i < 60_000; i += 1) {
      const id = gid(rand(5000));
      const held = reference.get(id);
      const version = (held?.version ?? 0) + rand(2);
      const at = rand(4) === 0 ? null : rand(100_000) + rand(1000) / 1000;
      const accepted = q.upsert(id, version, at);
      assert.equal(accepted, !held || version >= held.version);
      if (at === null) reference.delete(id);
      else reference.set(id, { version, at });
      if (rand(50) === 0) {
        const gone = gid(rand(5000));
        q.remove(gone);
        reference.delete(gone);
      }
    }
    assert.equal(q.size, reference.size);
    for (const id of reference.keys()) assert.ok(q.has(id));
    const expected = [...reference.entries()].filter(([, v]) => v.at <= 50_000);
    const taken = q.takeDue(50_000, 100_000);
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

  it('hands out at the exact deadline, not a rounded-up millisecond, and says when it will', () => {
    const q = new DeadlineQueue();
    q.upsert(gid(1), 1, 100.25);
    q.upsert(gid(2), 1, 100.75);
    q.upsert(gid(3), 1, 101.5);
    assert.equal(q.nextDueAt(), 100.25);
    assert.deepEqual(
      q.takeDue(100.5, 10).map((d) => d.gameId),
      [gid(1)],
    );
    assert.deepEqual(q.takeDue(100.74, 10), [], 'b is not due at 100.74');
    assert.equal(q.nextDueAt(), 100.75);
  });

  it('takes a crowd of deadlines at one instant in limited slices, each game once', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 10_000; i += 1) q.upsert(gid(i), 1, 5000);
    q.upsert(gid(7), 2, 9000); // moved away before the instant
    const seen = new Set<string>();
    for (let slice = q.takeDue(5000, 2500); slice.length > 0; slice = q.takeDue(5000, 2500)) {
      assert.ok(slice.length <= 2500);
      for (const d of slice) {
        assert.ok(!seen.has(d.gameId), `${d.gameId} twice`);
        seen.add(d.gameId);
      }
    }
    assert.equal(seen.size, 9_999);
    assert.ok(!seen.has(gid(7)));
    assert.equal(q.size, 1);
    assert.equal(q.peek()?.gameId, gid(7));
  });

  it('hands out equal deadlines in the order they were set', () => {
    const q = new DeadlineQueue();
    const order = [5, 3, 9, 1, 7, 2, 8, 4, 6, 0];
    for (const n of order) q.upsert(gid(n), 1, 100);
    q.upsert(gid(3), 2, 100); // set again: now last
    assert.deepEqual(
      q.takeDue(100, 100).map((d) => d.gameId),
      [5, 9, 1, 7, 2, 8, 4, 6, 0, 3].map(gid),
    );
  });

  it('keeps only the latest deadline of a game moved 50,000 times', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 50_000; i += 1) q.upsert(gid(1), i, 1000 + i);
    assert.equal(q.size, 1);
    assert.equal(q.nextDueAt(), 50_999);
    assert.deepEqual(q.takeDue(50_999, 10), [
      { gameId: gid(1), version: 49_999, at: 50_999, startedAt: undefined },
    ]);
    assert.equal(q.nextDueAt(), undefined);
  });

  it('reuses the slots of games gone, so churn does not grow it', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 3000; i += 1) q.upsert(gid(i), 1, i);
    const capacity = q.capacity;
    // 30 generations of 3,000 games each replace the last: the held count never exceeds 3,000.
    for (let generation = 1; generation <= 30; generation += 1) {
      q.takeDue(Number.POSITIVE_INFINITY, 10_000);
      for (let i = 0; i < 3000; i += 1) q.upsert(gid(generation * 3000 + i), 1, i);
    }
    assert.equal(q.size, 3000);
    assert.equal(q.capacity, capacity);
  });

  it('holds ids that differ only in their last bytes (time-ordered uuids) and returns them in lower case', () => {
    const q = new DeadlineQueue();
    const ids = Array.from(
      { length: 2000 },
      (_, i) => `0190A5B2-7C3D-7E4F-8A1B-${(0xc0ffee000000 + i).toString(16).toUpperCase()}`,
    );
    ids.forEach((id, i) => q.upsert(id, 1, i));
    assert.equal(q.size, 2000);
    assert.ok(q.has(ids[1999]?.toLowerCase() ?? ''));
    assert.deepEqual(
      q.takeDue(Number.POSITIVE_INFINITY, 3).map((d) => d.gameId),
      ids.slice(0, 3).map((id) => id.toLowerCase()),
    );
  });

  it('refuses an id that is not a uuid, holding nothing', () => {
    const q = new DeadlineQueue();
    assert.throws(() => q.upsert('g1', 1, 10), /not a uuid/);
    assert.throws(() => q.upsert(`${gid(1).slice(0, 35)}x`, 1, 10), /not a uuid/);
    assert.equal(q.size, 0);
  });

  it('drops the games of shards no longer owned', () => {
    const q = new DeadlineQueue();
    for (const n of [1, 2, 3]) q.upsert(gid(n), 1, 10);
    assert.equal(
      q.removeWhere((id) => id !== gid(3)),
      2,
    );
    assert.deepEqual(
      q.takeDue(100, 10).map((d) => d.gameId),
      [gid(3)],
    );
  });
});
