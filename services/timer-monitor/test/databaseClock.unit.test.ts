import { strict as assert } from 'node:assert';
import type { Clock } from '@sketchyaf/core';
import { DatabaseClock } from '../src/databaseClock.ts';

/** A clock whose wall time is whole milliseconds (as Date.now()) and whose monotonic time is not. */
function steppedClock(): Clock & { advance(ms: number): void } {
  let mono = 1000.25;
  const wallAtZero = 1_700_000_000_000;
  return {
    now: () => Math.floor(wallAtZero + mono),
    monotonic: () => mono,
    setTimeout: () => ({}),
    clearTimeout: () => undefined,
    advance(ms: number) {
      mono += ms;
    },
  };
}

describe('DatabaseClock', () => {
  it('starts from the wall clock, then keeps the database offset to a fraction of a millisecond', async () => {
    const clock = steppedClock();
    // The database runs 12.345 ms ahead of the local wall clock; each reading takes a 0.2 ms round trip.
    const databaseNow = (): number => 1_700_000_000_000 + clock.monotonic() + 12.345;
    const dbClock = new DatabaseClock(clock, () => {
      clock.advance(0.1);
      const reading = databaseNow();
      clock.advance(0.1);
      return Promise.resolve(reading);
    });
    assert.ok(Math.abs(dbClock.now() - (databaseNow() - 12.345)) < 1, 'before a sample: the wall clock');
    await dbClock.calibrate(3);
    assert.ok(Math.abs(dbClock.now() - databaseNow()) < 1e-3, `off by ${dbClock.now() - databaseNow()} ms`);
    clock.advance(500.3);
    assert.ok(Math.abs(dbClock.now() - databaseNow()) < 1e-3);
    // A database deadline 7.5 ms ahead is 7.5 ms ahead on the monotonic clock.
    assert.ok(Math.abs(dbClock.toMonotonic(databaseNow() + 7.5) - (clock.monotonic() + 7.5)) < 1e-3);
  });

  it('keeps the sample with the smallest round trip', async () => {
    const clock = steppedClock();
    const trips = [5, 0.2, 3];
    const dbClock = new DatabaseClock(clock, () => {
      const rtt = trips.shift() ?? 1;
      // An asymmetric slow trip: the reply waited; the reading is taken on arrival at the database.
      clock.advance(0.1);
      const reading = 1_700_000_000_000 + clock.monotonic() + 40;
      clock.advance(rtt - 0.1);
      return Promise.resolve(reading);
    });
    await dbClock.calibrate(3);
    assert.ok(Math.abs(dbClock.now() - (1_700_000_000_000 + clock.monotonic() + 40)) < 1e-3);
  });
});
