import { strict as assert } from 'node:assert';
import { LogThrottle, type Clock } from '../src/index.ts';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    now: () => now,
    monotonic: () => now,
    setTimeout: () => ({}),
    clearTimeout: () => undefined,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('LogThrottle', () => {
  it('lets the first occurrence through, then one per interval with the count left out', () => {
    const clock = manualClock();
    const throttle = new LogThrottle(clock, 10_000);
    assert.equal(throttle.take(), 0);
    for (let i = 0; i < 999; i += 1) assert.equal(throttle.take(), null);
    clock.advance(9_999);
    assert.equal(throttle.take(), null);
    clock.advance(1);
    assert.equal(throttle.take(), 1000, 'the 1,000 suppressed since the last line');
    clock.advance(10_000);
    assert.equal(throttle.take(), 0);
  });
});
