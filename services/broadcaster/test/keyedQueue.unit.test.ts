import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { compareIds, KeyedQueue, type Keyed } from '../src/relay/keyedQueue.ts';

const item = (id: number, key: string): Keyed => ({ id: String(id), key });

describe('KeyedQueue (per-game ordering of claimed events)', () => {
  it('hands out one event per key at a time, in id order', () => {
    const q = new KeyedQueue<Keyed>();
    q.add([item(3, 'game.a'), item(1, 'game.a'), item(2, 'game.b'), item(5, 'game.a')]);
    const first = q.take(0);
    const second = q.take(0);
    assert.deepEqual([first?.id, second?.id], ['1', '2']);
    assert.equal(q.take(0), undefined, 'game.a is in flight, game.b has nothing more');
    assert.ok(first);
    q.complete(first);
    assert.equal(q.take(0)?.id, '3');
    assert.equal(q.inFlight, 2);
  });

  it('ignores ids it already holds and keeps order across claims', () => {
    const q = new KeyedQueue<Keyed>();
    assert.equal(q.add([item(10, 'k'), item(11, 'k')]), 2);
    assert.equal(q.add([item(11, 'k'), item(12, 'k')]), 1);
    const ids: string[] = [];
    for (let next = q.take(0); next; next = q.take(0)) {
      ids.push(next.id);
      q.complete(next);
    }
    assert.deepEqual(ids, ['10', '11', '12']);
    assert.equal(q.size, 0);
  });

  it('keeps a failed event at the head and delays only its key', () => {
    const q = new KeyedQueue<Keyed>();
    q.add([item(1, 'a'), item(2, 'a'), item(3, 'b')]);
    const a1 = q.take(0);
    assert.ok(a1);
    q.retry(a1, 1000, 0);
    assert.equal(q.take(10)?.id, '3');
    assert.equal(q.take(10), undefined, 'a waits until 1000');
    assert.equal(q.nextReadyAt(), 1000);
    assert.equal(q.take(1000)?.id, '1', 'the same event comes back first, never its successor');
  });

  it('clearDelays makes delayed keys ready at once', () => {
    const q = new KeyedQueue<Keyed>();
    q.add([item(1, 'a')]);
    const a = q.take(0);
    assert.ok(a);
    q.retry(a, 60_000, 0);
    q.clearDelays();
    assert.equal(q.take(1)?.id, '1');
  });

  it('removeWhere drops queued events but never the one in flight', () => {
    const q = new KeyedQueue<Keyed>();
    q.add([item(1, 'a'), item(2, 'a'), item(3, 'b')]);
    const a = q.take(0);
    assert.ok(a);
    assert.equal(
      q.removeWhere(() => true),
      2,
    );
    assert.ok(q.has('1') && !q.has('2') && !q.has('3'));
    q.complete(a);
    assert.equal(q.size, 0);
  });

  it('compareIds orders decimal ids numerically', () => {
    assert.ok(compareIds('9', '10') < 0);
    assert.ok(compareIds('100', '99') > 0);
    assert.equal(compareIds('42', '42'), 0);
  });

  it('property: any interleaving of claims, completions and retries keeps per-key order and one in flight per key', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('claim' as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('take' as const) }),
      fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('retry' as const),
        pick: fc.nat(),
        delay: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (ops, keyCount) => {
        const q = new KeyedQueue<Keyed>();
        const keys = Array.from({ length: keyCount }, (_, i) => `game.${i}`);
        // The outbox: ids ascending; per key, an unclaimed tail.
        let nextId = 1;
        const unclaimed: Keyed[] = [];
        const inFlight: Keyed[] = [];
        const completed = new Map<string, number>();
        let now = 0;
        for (const o of ops) {
          if (o.kind === 'claim') {
            for (let i = 0; i < o.n; i += 1)
              unclaimed.push(item(nextId++, keys[(nextId * 7) % keyCount] as string));
            q.add(unclaimed.splice(0));
          } else if (o.kind === 'take') {
            const next = q.take(now);
            if (next) {
              assert.ok(!inFlight.some((f) => f.key === next.key), 'two in flight for one key');
              inFlight.push(next);
            }
          } else if (o.kind === 'tick') {
            now += o.ms;
          } else if (inFlight.length > 0) {
            const [chosen] = inFlight.splice(o.pick % inFlight.length, 1);
            assert.ok(chosen);
            if (o.kind === 'complete') {
              const last = completed.get(chosen.key) ?? 0;
              assert.ok(Number(chosen.id) > last, `key ${chosen.key}: ${chosen.id} after ${last}`);
              completed.set(chosen.key, Number(chosen.id));
              q.complete(chosen);
            } else q.retry(chosen, now + o.delay, now);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
