import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { WakeTimer, type Clock } from '../../src/index.ts';

describe('WakeTimer', () => {
  it('armEarliest keeps the earlier wake; armAt replaces it; infinity does nothing or disarms', async () => {
    const clock = new ManualClock({ startAt: 10_000 });
    const woke: number[] = [];
    const timer = new WakeTimer(clock, () => woke.push(clock.now()));
    timer.armEarliest(10_300);
    timer.armEarliest(10_500);
    timer.armEarliest(Number.POSITIVE_INFINITY);
    assert.equal(timer.at, 10_300);
    await clock.tick(1000);
    assert.deepEqual(woke, [10_300]);
    timer.armAt(11_500);
    timer.armAt(11_200);
    await clock.tick(1000);
    assert.deepEqual(woke, [10_300, 11_200]);
    timer.armAt(12_500);
    timer.armAt(Number.POSITIVE_INFINITY);
    assert.equal(timer.armed, false);
    assert.equal(clock.pending, 0);
  });

  it('on the monotonic base, wakes at fractional times; a past time wakes at once', async () => {
    const clock = new ManualClock({ startAt: 1e12 });
    const woke: number[] = [];
    const timer = new WakeTimer(clock, () => woke.push(clock.monotonic()), { timeBase: 'monotonic' });
    await clock.tick(100);
    timer.armAt(50);
    await clock.flush();
    timer.armAt(150.5);
    await clock.tick(100);
    assert.deepEqual(woke, [100, 150.5]);
  });

  it('unrefs each armed timer only when asked to', () => {
    const clock = new ManualClock();
    let unrefs = 0;
    // The same clock, counting unref calls on the handles it gives out.
    const counting: Clock = {
      now: () => clock.now(),
      monotonic: () => clock.monotonic(),
      setTimeout: (callback, ms) => {
        const handle = clock.setTimeout(callback, ms);
        return { unref: () => (unrefs++, handle) };
      },
      // Handles are wrapped, so cancelling cannot reach the inner timer; this test only arms.
      clearTimeout: () => undefined,
    };
    const kept = new WakeTimer(counting, () => undefined);
    kept.armAt(10);
    assert.equal(unrefs, 0);
    const unrefd = new WakeTimer(counting, () => undefined, { unref: true });
    unrefd.armAt(20);
    unrefd.armEarliest(15);
    assert.equal(unrefs, 2, 'both armings unref their timer');
  });

  it('property: after any arms, it wakes once, at the earliest armEarliest time, never before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }),
        async (ats) => {
          const clock = new ManualClock();
          const woke: number[] = [];
          const timer = new WakeTimer(clock, () => woke.push(clock.now()));
          for (const at of ats) timer.armEarliest(at);
          await clock.tick(2000);
          assert.deepEqual(woke, [Math.min(...ats)]);
        },
      ),
    );
  });
});
