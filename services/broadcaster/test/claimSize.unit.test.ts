import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { nextClaimSize, type ClaimSizing } from '../src/relay/claimSize.ts';

describe('claim size from the backlog', () => {
  const sizing: ClaimSizing = { claimBatch: 500, claimBatchMax: 4000, maxBuffered: 10_000 };
  const caughtUp = { buffered: 0, previousLimit: 0, previousFull: false };

  it('asks for claimBatch when caught up, so a burst starts with a small, fast claim', () => {
    assert.equal(nextClaimSize(sizing, caughtUp), 500);
    assert.equal(nextClaimSize(sizing, { buffered: 0, previousLimit: 4000, previousFull: false }), 500);
  });

  it('doubles after each full claim up to claimBatchMax: 5,000 waiting events take 4 claims', () => {
    const limits: number[] = [];
    let waiting = 5000;
    let state = caughtUp;
    for (;;) {
      const limit = nextClaimSize(sizing, state);
      const got = Math.min(limit, waiting);
      if (got === 0) break;
      limits.push(limit);
      waiting -= got;
      state = { buffered: state.buffered + got, previousLimit: limit, previousFull: got === limit };
    }
    assert.deepEqual(limits, [500, 1000, 2000, 4000]);
    assert.equal(waiting, 0);
  });

  it('never asks for more than the room left, nor claims when a good batch does not fit', () => {
    assert.equal(nextClaimSize(sizing, { buffered: 8000, previousLimit: 4000, previousFull: true }), 2000);
    assert.equal(nextClaimSize(sizing, { buffered: 9600, previousLimit: 500, previousFull: true }), 0);
    assert.equal(nextClaimSize(sizing, { buffered: 9500, previousLimit: 500, previousFull: true }), 500);
  });

  it('a claimBatchMax below claimBatch means fixed claims of claimBatch (the former behaviour)', () => {
    const fixed = { claimBatch: 500, claimBatchMax: 100, maxBuffered: 2000 };
    assert.equal(nextClaimSize(fixed, { buffered: 0, previousLimit: 500, previousFull: true }), 500);
  });

  it('stays within [0, room] and at most max(claimBatch, claimBatchMax) for any input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.boolean(),
        (claimBatch, claimBatchMax, maxBuffered, buffered, previousLimit, previousFull) => {
          const limit = nextClaimSize(
            { claimBatch, claimBatchMax, maxBuffered },
            { buffered: Math.min(buffered, maxBuffered), previousLimit, previousFull },
          );
          assert.ok(limit >= 0 && Number.isInteger(limit));
          assert.ok(limit <= maxBuffered - Math.min(buffered, maxBuffered));
          assert.ok(limit <= Math.max(claimBatch, claimBatchMax));
          // Empty, the relay always claims something.
          if (buffered === 0) assert.ok(limit > 0);
        },
      ),
    );
  });
});
