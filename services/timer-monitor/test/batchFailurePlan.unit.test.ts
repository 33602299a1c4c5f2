import { strict as assert } from 'node:assert';
import type { DatabaseErrorKind } from '@sketchyaf/core';
import {
  bisect,
  planBatchFailure,
  singleSystemicAfterFailures,
  systemicAfterFailures,
} from '../src/batchFailurePlan.ts';

describe('planBatchFailure', () => {
  const allKinds: DatabaseErrorKind[] = [
    'connection',
    'timeout',
    'shutdown',
    'serialization',
    'lock_timeout',
    'constraint',
    'schema_missing',
    'auth',
    'data',
    'unknown',
  ];

  it('splits a batch that a row may have broken, and quarantines a game that fails alone', () => {
    for (const kind of ['data', 'constraint', 'unknown'] as const) {
      assert.equal(planBatchFailure(kind, 2500), 'bisect', kind);
      assert.equal(planBatchFailure(kind, 2), 'bisect', kind);
      assert.equal(planBatchFailure(kind, 1), 'quarantine', kind);
    }
  });

  it('calls it the database when every part fails alike (a broken trigger), not when some part committed', () => {
    const n = systemicAfterFailures;
    assert.equal(planBatchFailure('data', 312, { failed: n - 1, committed: 0 }), 'bisect');
    assert.equal(planBatchFailure('data', 1, { failed: n - 1, committed: 0 }), 'quarantine');
    assert.equal(planBatchFailure('data', 312, { failed: n, committed: 0 }), 'backoff');
    assert.equal(planBatchFailure('unknown', 1, { failed: n, committed: 0 }), 'backoff');
    // Many bad rows among 2,500: some parts committed, so every culprit is isolated.
    assert.equal(planBatchFailure('data', 1, { failed: 90, committed: 11 }), 'quarantine');
    assert.equal(planBatchFailure('constraint', 40, { failed: 30, committed: 1 }), 'bisect');
  });

  it('does not quarantine a game failing alone while nothing has committed for a few statements', () => {
    const m = singleSystemicAfterFailures;
    // Small batches one after another under a broken trigger: singles go back, the replica waits.
    assert.equal(planBatchFailure('data', 1, { failed: 1, committed: 0, failedSinceCommit: m }), 'backoff');
    assert.equal(
      planBatchFailure('data', 1, { failed: 2, committed: 0, failedSinceCommit: m - 1 }),
      'quarantine',
    );
    // A larger part is still split, so that a culprit's siblings commit and reset the count.
    assert.equal(planBatchFailure('data', 2, { failed: 1, committed: 0, failedSinceCommit: 40 }), 'bisect');
    // A culprit whose siblings committed just before is quarantined.
    assert.equal(
      planBatchFailure('data', 1, { failed: 12, committed: 11, failedSinceCommit: 1 }),
      'quarantine',
    );
  });

  it('retries a deadlock or serialization failure at once, whatever the size', () => {
    assert.equal(planBatchFailure('serialization', 2500), 'retry');
    assert.equal(planBatchFailure('serialization', 1), 'retry');
  });

  it("backs the replica off for the database's own failures, never blaming a game", () => {
    for (const kind of allKinds.filter(
      (k) => !['data', 'constraint', 'unknown', 'serialization'].includes(k),
    )) {
      assert.equal(planBatchFailure(kind, 2500), 'backoff', kind);
      assert.equal(planBatchFailure(kind, 1), 'backoff', kind);
    }
  });
});

describe('bisect', () => {
  it('splits into two non-empty halves that keep every item once, in order', () => {
    for (let n = 2; n <= 41; n += 1) {
      const items = Array.from({ length: n }, (_, i) => i);
      const [a, b] = bisect(items);
      assert.ok(a.length > 0 && b.length > 0, `both halves of ${n} non-empty`);
      assert.ok(Math.abs(a.length - b.length) <= 1, `halves of ${n} balanced`);
      assert.deepEqual([...a, ...b], items);
    }
  });

  it('isolates one bad item among 2,500 in at most 2n - 1 statements, the good ones in few', () => {
    const n = 2500;
    const bad = 1733;
    const parts: number[][] = [Array.from({ length: n }, (_, i) => i)];
    let statements = 0;
    const committed: number[] = [];
    const isolated: number[] = [];
    for (let part = parts.shift(); part; part = parts.shift()) {
      statements += 1;
      if (!part.includes(bad)) committed.push(...part);
      else if (part.length === 1) isolated.push(...part);
      else parts.push(...bisect(part));
    }
    assert.deepEqual(isolated, [bad]);
    assert.equal(committed.length, n - 1);
    // One failing and one passing statement per level: about 2 log2(n) + 1, far below 2n - 1.
    assert.ok(statements <= 2 * Math.ceil(Math.log2(n)) + 1, `${statements} statements`);
  });
  it('breadth first, finds a commit by the fourth level when 7 bad rows or fewer sit anywhere in 2,500', () => {
    // Clustered culprits (games created together share a deadline, so sit side by side) and spread ones.
    const layouts = [
      [0, 1, 2, 3, 4, 5, 6],
      [1248, 1249, 1250, 1251, 1252],
      [0, 400, 800, 1200, 1600, 2000, 2400],
    ];
    for (const bad of layouts) {
      const parts: number[][] = [Array.from({ length: 2500 }, (_, i) => i)];
      let failed = 0;
      let committed = 0;
      let systemic = false;
      for (let part = parts.shift(); part; part = parts.shift()) {
        if (!part.some((i) => bad.includes(i))) {
          committed += 1;
          continue;
        }
        failed += 1;
        const action = planBatchFailure('data', part.length, { failed, committed });
        if (action === 'backoff') {
          systemic = true;
          break;
        }
        if (action === 'bisect') parts.push(...bisect(part));
      }
      assert.equal(systemic, false, `culprits at ${bad.join(', ')} isolated, not taken for a broken trigger`);
    }
  });
});
