import { strict as assert } from 'node:assert';
import { applyFaultSpec, decideFault, noFaults, parseFaultSpec, pruneExpired } from '../src/faults.ts';

describe('fault rules', function () {
  it('parses a full spec', function () {
    const parsed = parseFaultSpec({
      latencyMs: 100,
      errorRate: 0.1,
      rateLimit: { durationMs: 5000, retryAfterSeconds: 3 },
      outage: { durationMs: 2000 },
    });
    assert.deepEqual(parsed, {
      ok: true,
      spec: {
        latencyMs: 100,
        errorRate: 0.1,
        rateLimit: { durationMs: 5000, retryAfterSeconds: 3 },
        outage: { durationMs: 2000 },
      },
    });
  });

  it('reports every problem at once', function () {
    const parsed = parseFaultSpec({
      latencyMs: 'slow',
      errorRate: 1.5,
      rateLimit: { untilMs: 1, durationMs: 1, retryAfterSeconds: 0.5 },
      outage: {},
      extra: 1,
    });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.problems.length, 6, parsed.problems.join('\n'));
    assert.ok(parsed.problems.some((p) => p.includes('extra')));
    assert.deepEqual(parseFaultSpec([]), { ok: false, problems: ['faults must be a JSON object'] });
  });

  it('merges a spec into what is active, turning durations into deadlines', function () {
    const first = applyFaultSpec(noFaults, { latencyMs: 50, rateLimit: { durationMs: 1000 } }, 10_000);
    assert.deepEqual(first, {
      latencyMs: 50,
      errorRate: 0,
      rateLimit: { untilMs: 11_000, retryAfterSeconds: 1 },
      outage: null,
    });
    const second = applyFaultSpec(
      first,
      { errorRate: 0.5, rateLimit: null, outage: { durationMs: 300 } },
      10_500,
    );
    assert.deepEqual(second, { latencyMs: 50, errorRate: 0.5, rateLimit: null, outage: { untilMs: 10_800 } });
    const open = applyFaultSpec(noFaults, { rateLimit: {} }, 0);
    assert.deepEqual(open.rateLimit, { untilMs: null, retryAfterSeconds: 1 });
  });

  it('decides 429 during a storm, 500 by error rate, pass otherwise', function () {
    const storm = applyFaultSpec(
      noFaults,
      { rateLimit: { untilMs: 2000, retryAfterSeconds: 4 }, errorRate: 1 },
      0,
    );
    assert.deepEqual(
      decideFault(storm, 1999, () => 0),
      { kind: 'rateLimit', retryAfterSeconds: 4 },
    );
    assert.deepEqual(
      decideFault(storm, 2000, () => 0),
      { kind: 'error' },
    );
    const flaky = applyFaultSpec(noFaults, { errorRate: 0.3 }, 0);
    assert.deepEqual(
      decideFault(flaky, 0, () => 0.29),
      { kind: 'error' },
    );
    assert.deepEqual(
      decideFault(flaky, 0, () => 0.3),
      { kind: 'pass' },
    );
    assert.deepEqual(
      decideFault(noFaults, 0, () => 0),
      { kind: 'pass' },
    );
  });

  it('prunes windows that have ended', function () {
    const active = applyFaultSpec(
      noFaults,
      { rateLimit: { durationMs: 100 }, outage: { durationMs: 200 } },
      0,
    );
    assert.equal(pruneExpired(active, 50), active);
    assert.deepEqual(pruneExpired(active, 150).rateLimit, null);
    assert.deepEqual(pruneExpired(active, 150).outage, { untilMs: 200 });
    assert.deepEqual(pruneExpired(active, 200).outage, null);
  });
});
