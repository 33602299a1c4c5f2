import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Backoff, backoffDelay, backoffPresets, doublingDelay } from '../../src/backoff.ts';

describe('back-off', () => {
  it('every preset doubles from its base to its cap', () => {
    for (const [name, preset] of Object.entries(backoffPresets)) {
      assert.ok(preset.baseMs > 0 && preset.baseMs <= preset.maxMs, name);
      assert.equal(doublingDelay(1, preset), preset.baseMs, name);
      assert.equal(doublingDelay(2, preset), Math.min(preset.maxMs, 2 * preset.baseMs), name);
      assert.equal(doublingDelay(1000, preset), preset.maxMs, name);
    }
  });

  it('property: jittered waits lie between half and all of the doubling ceiling, which never decreases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, baseMs, extra, r) => {
          const settings = { baseMs, maxMs: baseMs + extra };
          const ceiling = doublingDelay(failures, settings);
          const wait = backoffDelay(failures, settings, () => r);
          assert.ok(wait >= Math.floor(ceiling / 2) && wait <= ceiling);
          assert.ok(doublingDelay(failures + 1, settings) >= ceiling);
        },
      ),
    );
  });

  it('Backoff counts consecutive failures and starts over on success', () => {
    const backoff = new Backoff(backoffPresets.listenerReconnect, null);
    assert.deepEqual(
      Array.from({ length: 7 }, () => backoff.failed()),
      [100, 200, 400, 800, 1600, 2000, 2000],
    );
    assert.equal(backoff.failures, 7);
    backoff.succeeded();
    assert.equal(backoff.failed(), 100);
    const jittered = new Backoff({ baseMs: 100, maxMs: 100 }, () => 0);
    assert.equal(jittered.failed(), 50);
  });
});
