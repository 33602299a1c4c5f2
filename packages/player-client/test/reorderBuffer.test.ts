import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { emptyBuffer, hasGap, offer, type ReorderBuffer } from '../src/reorderBuffer.ts';
import type { GameEvent } from '../src/envelope.ts';
import { eventAt } from './support.ts';

/** Offers every event in turn; what was delivered, in delivery order. */
function feedAll(
  events: readonly GameEvent[],
  maxPending = 1000,
  start = emptyBuffer(),
): { buffer: ReorderBuffer; delivered: number[] } {
  let buffer = start;
  const delivered: number[] = [];
  for (const e of events) {
    const r = offer(buffer, e, maxPending);
    buffer = r.buffer;
    if (r.outcome.kind === 'released') delivered.push(...r.outcome.events.map((x) => x.sequence));
  }
  return { buffer, delivered };
}

describe('player-client reorder buffer', () => {
  it('releases in order, holds early arrivals, and drops repeats', () => {
    let b = emptyBuffer();
    let r = offer(b, eventAt(2), 10);
    assert.equal(r.outcome.kind, 'buffered');
    b = r.buffer;
    assert.ok(hasGap(b));
    r = offer(b, eventAt(2), 10);
    assert.equal(r.outcome.kind, 'repeat', 'a pending repeat');
    r = offer(b, eventAt(1), 10);
    assert.deepEqual(
      r.outcome.kind === 'released' ? r.outcome.events.map((e) => e.sequence) : r.outcome.kind,
      [1, 2],
    );
    b = r.buffer;
    assert.equal(b.delivered, 2);
    assert.ok(!hasGap(b));
    assert.equal(offer(b, eventAt(1), 10).outcome.kind, 'repeat', 'a delivered repeat');
  });

  it('starts after a given sequence: earlier events are repeats', () => {
    const { delivered } = feedAll([eventAt(3), eventAt(5), eventAt(6), eventAt(4)], 10, emptyBuffer(4));
    assert.deepEqual(delivered, [5, 6]);
  });

  it('bounds what it holds: beyond maxPending the farthest go, and come again by catch-up', () => {
    let b = emptyBuffer();
    for (const s of [5, 4, 3]) b = offer(b, eventAt(s), 2).buffer;
    assert.deepEqual([...b.pending.keys()].sort(), [3, 4], '5 made room for 3');
    assert.equal(offer(b, eventAt(9), 2).outcome.kind, 'overflow');
    const r = offer(b, eventAt(1), 2);
    assert.equal(r.outcome.kind, 'released');
    assert.equal(r.buffer.delivered, 1, '2 is still missing');
  });

  it('delivers any arrival order with repeats exactly once and in order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n * 2 }, (_, i) => (i % n) + 1),
              { minLength: n * 2, maxLength: n * 2 },
            ),
          ),
        ),
        ([n, order]) => {
          const { buffer, delivered } = feedAll(order.map((s) => eventAt(s)));
          assert.deepEqual(
            delivered,
            Array.from({ length: n }, (_, i) => i + 1),
          );
          assert.equal(buffer.pending.size, 0);
        },
      ),
    );
  });

  it('with some events missing, delivers exactly the prefix before the first missing one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 50 }),
        (arrivals, maxPending) => {
          const { buffer, delivered } = feedAll(
            arrivals.map((s) => eventAt(s)),
            maxPending,
          );
          const present = new Set(arrivals);
          let prefix = 0;
          while (present.has(prefix + 1)) prefix++;
          // Overflow can only drop events beyond the prefix's end... unless they were needed before it.
          assert.ok(buffer.delivered <= prefix);
          assert.deepEqual(
            delivered,
            Array.from({ length: buffer.delivered }, (_, i) => i + 1),
          );
          assert.ok(buffer.pending.size <= maxPending);
          for (const s of buffer.pending.keys()) assert.ok(s > buffer.delivered + 1);
          if (maxPending >= 40) assert.equal(buffer.delivered, prefix, 'nothing overflows');
        },
      ),
    );
  });
});
