import { strict as assert } from 'node:assert';
import { CanaryTracker, nearestRank, parseCanaryMessage } from '../src/index.ts';

describe('canary tracker', () => {
  const tracker = () => new CanaryTracker({ deadlineMs: 1000, windowMs: 10_000 });

  it('counts a canary received within the deadline once, with its latency', () => {
    const t = tracker();
    t.sent('a', 0);
    t.accepted('a', 'event-a');
    assert.equal(t.inFlight, 1);
    assert.deepEqual(t.received('a', 120), { kind: 'received', latencyMs: 120 });
    assert.deepEqual(t.received('a', 130), { kind: 'duplicate' });
    assert.deepEqual(t.stats(200), {
      settled: 1,
      receivedInTime: 1,
      deliveryRatio: 1,
      latencyP95Ms: 120,
      inFlight: 0,
    });
  });

  it('settles a canary past its deadline as lost, and a later arrival as late', () => {
    const t = tracker();
    t.sent('a', 0);
    t.accepted('a', 'event-a');
    assert.deepEqual(t.expire(1000), [], 'exactly at the deadline it is still in time');
    assert.deepEqual(t.expire(1001), [{ probeId: 'a', eventId: 'event-a' }]);
    assert.equal(t.stats(1001).deliveryRatio, 0);
    assert.deepEqual(t.received('a', 5000), { kind: 'late', latencyMs: 5000 });
    assert.deepEqual(t.received('a', 5001), { kind: 'duplicate' });
    const stats = t.stats(5001);
    assert.equal(stats.deliveryRatio, 0, 'late still counts against delivery');
    assert.equal(stats.latencyP95Ms, 5000, 'but its latency is real');
  });

  it('treats a receipt after the deadline but before expiry as late', () => {
    const t = tracker();
    t.sent('a', 0);
    assert.deepEqual(t.received('a', 1500), { kind: 'late', latencyMs: 1500 });
    assert.equal(t.stats(1500).deliveryRatio, 0);
  });

  it('counts a refused POST as lost at once, and ignores canaries it never sent', () => {
    const t = tracker();
    t.sent('a', 0);
    t.failed('a');
    assert.equal(t.inFlight, 0);
    assert.deepEqual(t.stats(1).settled, 1);
    assert.equal(t.stats(1).deliveryRatio, 0);
    assert.deepEqual(t.received('someone-else', 10), { kind: 'unknown' });
  });

  it('covers only canaries sent within the window, and forgets old ones', () => {
    const t = tracker();
    t.sent('old', 0);
    t.received('old', 10);
    t.sent('new', 9_000);
    t.expire(10_500);
    assert.equal(t.stats(10_500).settled, 1, 'only "new" (lost) is in the window');
    assert.equal(t.stats(10_500).deliveryRatio, 0);
    t.expire(30_000);
    assert.deepEqual(t.received('old', 30_000), { kind: 'unknown' }, 'forgotten');
    assert.equal(t.stats(30_000).deliveryRatio, null);
  });

  it('computes p95 by nearest rank', () => {
    assert.equal(nearestRank([], 0.95), null);
    assert.equal(nearestRank([5], 0.95), 5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(nearestRank(hundred, 0.95), 95);
    assert.equal(nearestRank(hundred, 1), 100);
  });

  it('reads only canary envelopes', () => {
    assert.deepEqual(
      parseCanaryMessage({ type: 'canary', eventId: 'e1', data: { probeId: 'p1', sentAt: 'x' } }),
      { probeId: 'p1', eventId: 'e1' },
    );
    assert.equal(
      parseCanaryMessage({ type: 'user_notification', eventId: 'e1', data: { probeId: 'p1' } }),
      undefined,
    );
    assert.equal(parseCanaryMessage({ type: 'canary', eventId: 'e1', data: null }), undefined);
    assert.equal(parseCanaryMessage('canary'), undefined);
  });
});
