import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { publishSlots } from '../src/relay/publishSlots.ts';
import { KeyedQueue, type Keyed } from '../src/relay/keyedQueue.ts';

describe('publish slots (concurrency from the backlog)', () => {
  const settings = { concurrency: 128, burstConcurrency: 512 };

  it('keeps RELAY_CONCURRENCY while no more games wait than it allows', () => {
    assert.equal(publishSlots(settings, { runtimeLimit: 128, inFlight: 3, readyKeys: 0 }), 128);
    assert.equal(publishSlots(settings, { runtimeLimit: 128, inFlight: 100, readyKeys: 28 }), 128);
  });

  it('opens up to RELAY_BURST_CONCURRENCY while more games wait', () => {
    assert.equal(publishSlots(settings, { runtimeLimit: 128, inFlight: 128, readyKeys: 1 }), 512);
    assert.equal(publishSlots(settings, { runtimeLimit: 128, inFlight: 0, readyKeys: 5000 }), 512);
  });

  it("an operator's lower limit, or a pause, always holds", () => {
    assert.equal(publishSlots(settings, { runtimeLimit: 16, inFlight: 0, readyKeys: 5000 }), 16);
    assert.equal(publishSlots(settings, { runtimeLimit: 0, inFlight: 0, readyKeys: 5000 }), 0);
  });

  it('a burst concurrency below RELAY_CONCURRENCY (0 by default: off) never lowers it', () => {
    const low = { concurrency: 128, burstConcurrency: 32 };
    assert.equal(publishSlots(low, { runtimeLimit: 128, inFlight: 0, readyKeys: 5000 }), 128);
    const off = { concurrency: 128, burstConcurrency: 0 };
    assert.equal(publishSlots(off, { runtimeLimit: 128, inFlight: 0, readyKeys: 5000 }), 128);
  });

  it('is between the runtime limit (when lower) and max(concurrency, burst) for any input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1024 }),
        fc.integer({ min: 0, max: 4096 }),
        fc.integer({ min: 0, max: 1024 }),
        fc.nat(5000),
        fc.nat(10_000),
        (concurrency, burstConcurrency, runtimeLimit, inFlight, readyKeys) => {
          const slots = publishSlots(
            { concurrency, burstConcurrency },
            { runtimeLimit, inFlight, readyKeys },
          );
          if (runtimeLimit < concurrency) assert.equal(slots, runtimeLimit);
          else assert.ok(slots >= concurrency && slots <= Math.max(concurrency, burstConcurrency));
        },
      ),
    );
  });

  it('KeyedQueue.readyKeys counts the keys whose next event could go now', () => {
    const q = new KeyedQueue<Keyed>();
    q.add([
      { id: '1', key: 'a' },
      { id: '2', key: 'a' },
      { id: '3', key: 'b' },
    ]);
    assert.equal(q.readyKeys, 2);
    const first = q.take(0);
    assert.ok(first);
    assert.equal(q.readyKeys, 1, 'a is in flight');
    q.retry(first, 100, 0);
    assert.equal(q.readyKeys, 1, 'a waits out its retry delay');
    assert.equal(q.take(100)?.id, '3');
    assert.equal(q.readyKeys, 1, 'the delay is over: a is ready again');
  });
});
