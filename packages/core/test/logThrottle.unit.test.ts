import { strict as assert } from 'node:assert';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { LogThrottle } from '../src/index.ts';

describe('LogThrottle', () => {
  it('lets the first occurrence through, then one per interval with the count left out', () => {
    const clock = new ManualClock({ startAt: 1_000_000 });
    const throttle = new LogThrottle(clock, 10_000);
    assert.equal(throttle.take(), 0);
    for (let i = 0; i < 999; i += 1) assert.equal(throttle.take(), null);
    clock.freeze(9_999);
    assert.equal(throttle.take(), null);
    clock.freeze(1);
    assert.equal(throttle.take(), 1000, 'the 1,000 suppressed since the last line');
    clock.freeze(10_000);
    assert.equal(throttle.take(), 0);
  });
});
