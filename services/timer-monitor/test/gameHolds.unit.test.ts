import { strict as assert } from 'node:assert';
import { GameHolds } from '../src/gameHolds.ts';
import { lockedRetry, quarantineRetry, replicaBackoffMs, retryDelayMs } from '../src/gameRetryPolicy.ts';

describe('game retry policy', () => {
  it('retries a quarantined game from 30 s, doubling, to at most 10 min', () => {
    const delays = Array.from({ length: 8 }, (_, i) => retryDelayMs(i + 1, quarantineRetry));
    assert.deepEqual(delays, [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
  });

  it('retries a locked game soon, but never in a hot loop, and at most 1 s apart', () => {
    const delays = Array.from({ length: 8 }, (_, i) => retryDelayMs(i + 1, lockedRetry));
    assert.deepEqual(delays, [25, 50, 100, 200, 400, 800, 1000, 1000]);
    assert.equal(retryDelayMs(10_000, lockedRetry), 1000, 'no overflow for long locks');
    assert.equal(retryDelayMs(0, lockedRetry), 25, 'attempt 0 counts as the first');
  });

  it('backs the replica off from 200 ms to 5 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 50].map(replicaBackoffMs),
      [200, 400, 800, 1600, 3200, 5000, 5000, 5000],
    );
  });
});

describe('GameHolds', () => {
  const id = '6f1c0d7e-0000-4000-8000-000000000001';

  it('counts quarantined games and pushes their retries further each time', () => {
    const holds = new GameHolds();
    const first = holds.record(id, 'quarantined', 4, 1000, 2000);
    assert.equal(holds.quarantined, 1);
    assert.equal(first.retryAt, 32_000);
    const second = holds.record(id, 'quarantined', 4, 40_000, 40_000);
    assert.equal(holds.quarantined, 1, 'the same game counts once');
    assert.equal(second.attempts, 2);
    assert.equal(second.retryAt, 100_000);
    assert.equal(second.deadlineAt, 1000, 'the lag counts from the deadline first missed');
  });

  it('fires a held game at its retry, not at its past deadline (no hot loop from a sweep)', () => {
    const holds = new GameHolds();
    holds.record(id, 'locked', 4, 1000, 1000);
    assert.equal(holds.fireAt(id, 4, 1000), 1025);
    assert.equal(holds.fireAt(id, 3, 900), 900, 'older news is left to the queue to ignore');
    assert.ok(holds.get(id), 'still held');
  });

  it('ends a hold on a newer version or a stopped timer', () => {
    const holds = new GameHolds();
    holds.record(id, 'quarantined', 4, 1000, 1000);
    assert.equal(holds.fireAt(id, 5, 70_000), 70_000);
    assert.equal(holds.get(id), undefined);
    assert.equal(holds.quarantined, 0);
    holds.record(id, 'quarantined', 5, 1000, 1000);
    assert.equal(holds.fireAt(id, 5, null), null);
    assert.equal(holds.quarantined, 0);
  });

  it('restarts the attempts when the reason changes, and releases by shard', () => {
    const holds = new GameHolds();
    holds.record(id, 'locked', 4, 1000, 1000);
    holds.record(id, 'locked', 4, 1000, 1100);
    const q = holds.record(id, 'quarantined', 4, 1000, 1200);
    assert.equal(q.attempts, 1);
    assert.equal(holds.quarantined, 1);
    const l = holds.record(id, 'locked', 4, 1000, 1300);
    assert.equal(l.attempts, 1);
    assert.equal(holds.quarantined, 0);
    holds.record(id, 'quarantined', 4, 1000, 1400);
    holds.releaseWhere((g) => g === id);
    assert.equal(holds.quarantined, 0);
    assert.equal(holds.get(id), undefined);
  });
});
