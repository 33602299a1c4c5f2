import { strict as assert } from 'node:assert';
import { applyFaultSpec, noFaults, parseFaultSpec, pruneExpired } from '../src/faults.ts';
import {
  applyDeliveryFaults,
  deliveryFate,
  isCut,
  type ActiveDeliveryFaults,
} from '../src/subscriberFaults.ts';

const faults = (over: Partial<ActiveDeliveryFaults> = {}): ActiveDeliveryFaults => ({
  dropRate: 0.05,
  duplicateRate: 0.05,
  seed: 42,
  uuids: null,
  ...over,
});

function fates(f: ActiveDeliveryFaults, uuid: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => deliveryFate(f, uuid, 17000000000000000n + BigInt(i), 'game.a'));
}

describe('subscriber faults (pure)', () => {
  it('gives the same fates for the same seed, others for another seed or subscriber', () => {
    assert.deepEqual(fates(faults(), 'u1', 500), fates(faults(), 'u1', 500));
    assert.notDeepEqual(fates(faults(), 'u1', 500), fates(faults({ seed: 43 }), 'u1', 500));
    assert.notDeepEqual(fates(faults(), 'u1', 500), fates(faults(), 'u2', 500));
  });

  it('drops and duplicates close to the rates asked, never both for one delivery', () => {
    const all = fates(faults({ dropRate: 0.1, duplicateRate: 0.2 }), 'u1', 20_000);
    const share = (fate: string): number => all.filter((f) => f === fate).length / all.length;
    assert.ok(Math.abs(share('drop') - 0.1) < 0.01, `drop ${share('drop')}`);
    assert.ok(Math.abs(share('duplicate') - 0.2) < 0.01, `duplicate ${share('duplicate')}`);
    assert.deepEqual(
      new Set(fates(faults({ dropRate: 0, duplicateRate: 0 }), 'u1', 100)),
      new Set(['deliver']),
    );
  });

  it('touches only the subscribers named, and applies fates to an answer in order', () => {
    const only = faults({ dropRate: 0.5, duplicateRate: 0.5, uuids: ['u1'] });
    assert.deepEqual(new Set(fates(only, 'u2', 100)), new Set(['deliver']));
    assert.equal(deliveryFate(only, null, 1n, 'c'), 'deliver', 'a poll without uuid is nobody named');
    const found = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ tt: BigInt(n), channel: 'c', item: n }));
    const { items, dropped, duplicated } = applyDeliveryFaults(only, 'u1', found);
    const expected = found.flatMap((f) => {
      const fate = deliveryFate(only, 'u1', f.tt, 'c');
      return fate === 'drop' ? [] : fate === 'duplicate' ? [f.item, f.item] : [f.item];
    });
    assert.deepEqual(items, expected);
    assert.equal(dropped + duplicated, 8, 'rates summing to 1: every delivery dropped or doubled');
    assert.equal(items.length, 2 * duplicated, 'each doubled twice, each dropped never');
  });

  it('cuts the named subscribers until the window ends, then prunes it', () => {
    const active = applyFaultSpec(noFaults, { cutSubscribers: { durationMs: 1000, uuids: ['u1'] } }, 5000);
    assert.equal(isCut(active.cutSubscribers, 'u1', 5999), true);
    assert.equal(isCut(active.cutSubscribers, 'u2', 5999), false);
    assert.equal(isCut(active.cutSubscribers, 'u1', 6000), false);
    assert.equal(pruneExpired(active, 6000).cutSubscribers, null);
    const everyone = applyFaultSpec(noFaults, { cutSubscribers: { durationMs: 10 } }, 0);
    assert.equal(isCut(everyone.cutSubscribers, 'anyone', 5), true);
  });

  it('refuses bad specs, naming every problem', () => {
    const parsed = parseFaultSpec({
      deliveries: { dropRate: 0.7, duplicateRate: 0.5, seed: 1.5, uuids: [], extra: 1 },
      cutSubscribers: { durationMs: 0 },
    });
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.ok ? [] : [...parsed.problems].sort(), [
      'cutSubscribers.durationMs must be a number from 1 to 86400000',
      'deliveries.dropRate + deliveries.duplicateRate must be at most 1',
      'deliveries.extra is not a known field (known: dropRate, duplicateRate, seed, uuids)',
      'deliveries.seed must be a whole number',
      'deliveries.uuids must be 1 to 1000 user ids (strings of 1 to 92 characters)',
    ]);
    const ok = parseFaultSpec({ deliveries: { dropRate: 0.05 }, cutSubscribers: null });
    assert.deepEqual(ok, { ok: true, spec: { deliveries: { dropRate: 0.05 }, cutSubscribers: null } });
    assert.deepEqual(applyFaultSpec(noFaults, ok.ok ? ok.spec : {}, 0).deliveries, {
      dropRate: 0.05,
      duplicateRate: 0,
      seed: 1,
      uuids: null,
    });
  });
});
