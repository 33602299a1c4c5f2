import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { createTimetokenClock, parseTimetoken, timetokenToMs } from '../src/timetoken.ts';

describe('timetoken clock', function () {
  it('follows the wall clock in 100 ns units, 17 digits today', function () {
    const clock = createTimetokenClock(() => 1_795_930_600_767);
    assert.equal(clock.next(), 17_959_306_007_670_000n);
    assert.equal(String(clock.next()).length, 17);
  });

  it('never repeats within one millisecond', function () {
    const clock = createTimetokenClock(() => 1_000);
    assert.deepEqual([clock.next(), clock.next(), clock.next()], [10_000_000n, 10_000_001n, 10_000_002n]);
  });

  it('is strictly increasing even when the wall clock steps backwards', function () {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), { minLength: 1 }),
        (times) => {
          let index = 0;
          const clock = createTimetokenClock(() => times[Math.min(index++, times.length - 1)] ?? 0);
          let last = 0n;
          for (let i = 0; i < times.length; i++) {
            const tt = clock.next();
            if (tt <= last) return false;
            last = tt;
          }
          return true;
        },
      ),
    );
  });

  it('catches up with the wall clock after a burst', function () {
    let now = 1_000;
    const clock = createTimetokenClock(() => now);
    for (let i = 0; i < 50; i++) clock.next();
    now = 1_001;
    assert.equal(clock.next(), 10_010_000n);
  });

  it('parses only plain digit strings', function () {
    assert.equal(parseTimetoken('17959306007670000'), 17_959_306_007_670_000n);
    assert.equal(parseTimetoken('0'), 0n);
    for (const bad of ['', '-1', '1e5', '12a', ' 1', '1'.repeat(21)])
      assert.equal(parseTimetoken(bad), undefined, bad);
    assert.equal(timetokenToMs(17_959_306_007_670_123n), 1_795_930_600_767);
  });
});
