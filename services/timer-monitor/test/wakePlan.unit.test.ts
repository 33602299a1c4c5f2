import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { mayLaunch, nextWakeAt, type WakeState } from '../src/wakePlan.ts';

const state = fc.record<WakeState>({
  now: fc.integer({ min: 0, max: 10_000 }),
  backoffUntil: fc.integer({ min: 0, max: 20_000 }),
  nextDue: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(Number.POSITIVE_INFINITY)),
  statements: fc.integer({ min: 0, max: 8 }),
  maxInFlight: fc.integer({ min: 1, max: 8 }),
});

describe('timer monitor wake plan', () => {
  it('launches only outside a back-off and with a free slot', () => {
    fc.assert(
      fc.property(state, (s) => {
        assert.equal(mayLaunch(s), s.now >= s.backoffUntil && s.statements < s.maxInFlight);
      }),
    );
  });

  it('property: never wakes inside a back-off, never for a past time while every slot is busy, never later than due otherwise', () => {
    fc.assert(
      fc.property(state, (s) => {
        const at = nextWakeAt(s);
        if (s.backoffUntil > s.now) {
          assert.ok(at >= s.backoffUntil, 'not before the back-off ends');
          assert.ok(at === Math.max(s.nextDue, s.backoffUntil));
        } else if (s.statements >= s.maxInFlight && s.nextDue <= s.now) {
          assert.equal(at, Number.POSITIVE_INFINITY, 'an answer wakes it, not a spinning timer');
        } else {
          assert.equal(at, s.nextDue);
        }
      }),
    );
  });

  it('examples', () => {
    const base = { now: 100, backoffUntil: 0, nextDue: 90, statements: 2, maxInFlight: 2 };
    assert.equal(nextWakeAt(base), Number.POSITIVE_INFINITY);
    assert.equal(nextWakeAt({ ...base, statements: 1 }), 90, 'a free slot: due now');
    assert.equal(nextWakeAt({ ...base, nextDue: 150 }), 150, 'busy, but the next deadline is ahead');
    assert.equal(nextWakeAt({ ...base, backoffUntil: 300 }), 300);
  });
});
