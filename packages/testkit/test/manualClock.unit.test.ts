import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ManualClock } from '../src/manualClock.ts';

describe('ManualClock', () => {
  it('fires due timers in time order, ties in the order armed, each at its own time', async () => {
    const clock = new ManualClock({ startAt: 1_000 });
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.monotonic()}`);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a'), 10);
    clock.setTimeout(at('b'), 10);
    clock.setTimeout(at('late'), 31);
    await clock.tick(30);
    assert.deepEqual(fired, ['a@10', 'b@10', 'c@30']);
    assert.equal(clock.now(), 1_030);
    assert.equal(clock.pending, 1);
    assert.equal(clock.nextAt, 31);
  });

  it('runs work a timer awaits, so timers it arms inside the window fire in the same tick', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const clockSleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const loop = (async () => {
      for (let i = 0; i < 5; i += 1) {
        await clockSleep(100);
        await Promise.resolve();
        fired.push(clock.monotonic());
      }
    })();
    await clock.tick(350);
    assert.deepEqual(fired, [100, 200, 300]);
    await clock.tick(200);
    await loop;
    assert.deepEqual(fired, [100, 200, 300, 400, 500]);
  });

  it('clears timers, and a zero or negative delay fires on flush', async () => {
    const clock = new ManualClock();
    let ran = 0;
    const handle = clock.setTimeout(() => (ran += 100), 5);
    clock.clearTimeout(handle);
    clock.setTimeout(() => (ran += 1), -5);
    clock.setTimeout(() => (ran += 1), Number.NaN);
    await clock.flush();
    assert.equal(ran, 2);
    assert.equal(clock.pending, 0);
  });

  it('freeze moves time without running timers; advance steps them synchronously', () => {
    const clock = new ManualClock();
    let ran = 0;
    clock.setTimeout(() => (ran += 1), 50);
    clock.freeze(100);
    assert.equal(ran, 0);
    clock.advance(10);
    assert.equal(ran, 1);
  });

  it('property: whatever the delays and tick sizes, every timer fires once, never early, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 10 }),
        async (delays, ticks) => {
          const clock = new ManualClock();
          const fired: { due: number; at: number; i: number }[] = [];
          delays.forEach((d, i) =>
            clock.setTimeout(() => fired.push({ due: d, at: clock.monotonic(), i }), d),
          );
          for (const t of ticks) await clock.tick(t);
          await clock.tick(500);
          assert.equal(fired.length, delays.length);
          for (const f of fired) assert.equal(f.at, f.due, 'fires at its own time');
          for (let k = 1; k < fired.length; k += 1) {
            const [a, b] = [fired[k - 1], fired[k]];
            assert.ok(a !== undefined && b !== undefined);
            assert.ok(a.due < b.due || (a.due === b.due && a.i < b.i));
          }
        },
      ),
    );
  });
});
