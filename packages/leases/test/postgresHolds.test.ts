import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { systemClock } from '@sketchyaf/core';
import { PostgresHolds } from '../src/index.ts';
import { testPrefix } from './helpers.ts';

describe('PostgresHolds: the lease rows (real PostgreSQL)', () => {
  const ttlMs = 300;
  let db: TestDatabase;
  let pool: pg.Pool;
  const holdsOf = (memberId: string, prefix: string): PostgresHolds =>
    new PostgresHolds({ pool, prefix, memberId, ttlMs, timeoutMs: 2000, clock: systemClock });

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  it('a live row cannot be taken by another member; an expired one can, and its old owner cannot renew it', async () => {
    const prefix = testPrefix();
    const a = holdsOf('a', prefix);
    const b = holdsOf('b', prefix);
    const takenAt = performance.now();
    assert.deepEqual([...(await a.take([0, 1], 'ta'))].sort(), [0, 1]);
    assert.deepEqual([...(await b.take([0, 1, 2], 'tb'))], [2]);
    const seen = await b.renew('postgres', new Map([[2, 'tb']]));
    assert.deepEqual(seen.members, ['b']);
    assert.deepEqual([...seen.renewed], [[2, 'tb']]);
    assert.equal(seen.holds.get(0), 'a');
    assert.equal(seen.holds.get(1), 'a');
    // Taken as soon as the row expires, and not before: the TTL counts from a's take.
    await waitFor(
      'the expired row taken by b',
      async () => ((await b.take([0], 'tb2')).has(0) ? true : undefined),
      { intervalMs: 20, timeoutMs: 4 * ttlMs },
    );
    assert.ok(performance.now() - takenAt >= ttlMs, 'not taken while a still held it');
    const late = await a.renew(
      'redis',
      new Map([
        [0, 'ta'],
        [1, 'ta'],
      ]),
    );
    assert.equal(late.renewed.size, 0, 'an expired row is not revived, and a taken one is not ours');
    assert.equal(late.holds.get(0), 'b');
    assert.equal(late.holds.has(1), false, 'expired rows count as free');
  });

  it('a late release of an earlier hold leaves a newer hold of the same owner alone', async () => {
    const prefix = testPrefix();
    const a = holdsOf('a', prefix);
    await a.take([3], 'first');
    assert.deepEqual([...(await a.take([3], 'second'))], [3], 'its own live row: taken again');
    await a.release(new Map([[3, 'first']]));
    const view = await a.renew('redis', new Map([[3, 'second']]));
    assert.deepEqual([...view.renewed], [[3, 'second']]);
    await a.release(new Map([[3, 'second']]));
    assert.equal((await holdsOf('b', prefix).take([3], 'b')).size, 1, 'released: free at once');
  });

  it('members and holds are per prefix; leave() drops both', async () => {
    const [p1, p2] = [testPrefix(), testPrefix()];
    await holdsOf('a', p1).renew('redis', new Map());
    await holdsOf('a', p1).take([0], 't');
    const other = await holdsOf('b', p2).renew('postgres', new Map());
    assert.deepEqual(other.members, ['b']);
    assert.equal(other.holds.size, 0);
    await holdsOf('a', p1).leave();
    const after = await holdsOf('c', p1).renew('postgres', new Map());
    assert.deepEqual(after.members, ['c']);
    assert.equal(after.holds.size, 0);
  });
});
