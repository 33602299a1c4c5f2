import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { dispatchPlan, mayClaim, type RelayGateState } from '../src/relay/relayGates.ts';

const base: RelayGateState = { now: 1000, running: true, paused: false, circuit: 'closed', trialDueAt: 0 };
const claim = { claimBackoffUntil: 0, queued: 0 };
const dispatch = { rateLimitedUntil: 0, trialInFlight: false };

describe('relay gates', () => {
  describe('mayClaim', () => {
    it('claims while running with the circuit closed, not when stopped, paused or backing off', () => {
      assert.equal(mayClaim({ ...base, ...claim }), true);
      assert.equal(mayClaim({ ...base, ...claim, running: false }), false);
      assert.equal(mayClaim({ ...base, ...claim, paused: true }), false);
      assert.equal(mayClaim({ ...base, ...claim, claimBackoffUntil: 1001 }), false);
      assert.equal(
        mayClaim({ ...base, ...claim, claimBackoffUntil: 1000 }),
        true,
        'the back-off ends on time',
      );
    });

    it('claims for the trial only once it is due and nothing is queued, never half-open', () => {
      const open = { ...base, ...claim, circuit: 'open' as const, trialDueAt: 1500 };
      assert.equal(mayClaim(open), false, 'trial not due');
      assert.equal(mayClaim({ ...open, now: 1500 }), true, 'trial due, nothing to try with');
      assert.equal(mayClaim({ ...open, now: 1500, queued: 1 }), false, 'the queued event is the trial');
      assert.equal(mayClaim({ ...base, ...claim, circuit: 'half_open' }), false);
    });
  });

  describe('dispatchPlan', () => {
    it('starts nothing and arms nothing while stopped or paused, even rate-limited or open', () => {
      for (const state of [
        { ...base, ...dispatch, running: false },
        { ...base, ...dispatch, paused: true, rateLimitedUntil: 5000 },
        { ...base, ...dispatch, paused: true, circuit: 'open' as const, trialDueAt: 0 },
      ])
        assert.deepEqual(dispatchPlan(state), { kind: 'off' });
    });

    it('holds every publish until Retry-After has passed, whatever the circuit', () => {
      assert.deepEqual(dispatchPlan({ ...base, ...dispatch, rateLimitedUntil: 4000 }), {
        kind: 'wait',
        until: 4000,
      });
      assert.deepEqual(
        dispatchPlan({ ...base, ...dispatch, circuit: 'open', trialDueAt: 0, rateLimitedUntil: 4000 }),
        { kind: 'wait', until: 4000 },
      );
      assert.deepEqual(dispatchPlan({ ...base, ...dispatch, rateLimitedUntil: 1000 }), { kind: 'fill' });
    });

    it('open: waits for the trial, sends one trial, then waits for its outcome; half-open waits too', () => {
      const open = { ...base, ...dispatch, circuit: 'open' as const, trialDueAt: 3000 };
      assert.deepEqual(dispatchPlan(open), { kind: 'wait', until: 3000 });
      assert.deepEqual(dispatchPlan({ ...open, now: 3000 }), { kind: 'trial' });
      assert.deepEqual(dispatchPlan({ ...open, now: 3000, trialInFlight: true }), { kind: 'await_trial' });
      assert.deepEqual(dispatchPlan({ ...base, ...dispatch, circuit: 'half_open' }), {
        kind: 'await_trial',
      });
    });

    it('property: fills slots only running, unpaused, closed and not rate-limited; never waits for a past time', () => {
      fc.assert(
        fc.property(
          fc.record({
            now: fc.integer({ min: 0, max: 10_000 }),
            running: fc.boolean(),
            paused: fc.boolean(),
            circuit: fc.constantFrom('closed' as const, 'open' as const, 'half_open' as const),
            trialDueAt: fc.integer({ min: 0, max: 10_000 }),
            rateLimitedUntil: fc.integer({ min: 0, max: 10_000 }),
            trialInFlight: fc.boolean(),
          }),
          (state) => {
            const plan = dispatchPlan(state);
            const free = state.running && !state.paused && state.now >= state.rateLimitedUntil;
            assert.equal(plan.kind === 'fill', free && state.circuit === 'closed');
            assert.equal(
              plan.kind === 'trial',
              free && state.circuit === 'open' && state.now >= state.trialDueAt && !state.trialInFlight,
            );
            if (plan.kind === 'wait') assert.ok(plan.until > state.now);
          },
        ),
      );
    });
  });
});
