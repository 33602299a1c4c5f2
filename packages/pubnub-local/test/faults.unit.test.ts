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
      rejectPublishes: null,
      deliveries: null,
      cutSubscribers: null,
    });
    const second = applyFaultSpec(
      first,
      { errorRate: 0.5, rateLimit: null, outage: { durationMs: 300 } },
      10_500,
    );
    assert.deepEqual(second, {
      latencyMs: 50,
      errorRate: 0.5,
      rateLimit: null,
      outage: { untilMs: 10_800 },
      rejectPublishes: null,
      deliveries: null,
      cutSubscribers: null,
    });
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

  it("rejects publishes with the status asked for, PubNub's description by default, until the window ends", function () {
    const forbidden = applyFaultSpec(
      noFaults,
      { rejectPublishes: { status: 403, durationMs: 10_000 } },
      1000,
    );
    assert.deepEqual(forbidden.rejectPublishes, { status: 403, message: 'Forbidden', untilMs: 11_000 });
    assert.deepEqual(
      decideFault(forbidden, 10_999, () => 0.9, true),
      {
        kind: 'rejectPublish',
        status: 403,
        message: 'Forbidden',
      },
    );
    assert.deepEqual(
      decideFault(forbidden, 10_999, () => 0.9, false),
      { kind: 'pass' },
      'only publishes',
    );
    assert.deepEqual(
      decideFault(forbidden, 11_000, () => 0.9, true),
      { kind: 'pass' },
    );
    assert.equal(pruneExpired(forbidden, 11_000).rejectPublishes, null);

    const invalidKey = applyFaultSpec(noFaults, { rejectPublishes: { status: 400 } }, 0);
    assert.deepEqual(invalidKey.rejectPublishes, { status: 400, message: 'Invalid Key', untilMs: null });
    const tooLarge = applyFaultSpec(noFaults, { rejectPublishes: { status: 413, message: 'Too big' } }, 0);
    assert.equal(tooLarge.rejectPublishes?.message, 'Too big');
    assert.equal(applyFaultSpec(tooLarge, { rejectPublishes: null }, 0).rejectPublishes, null);

    const stormToo = applyFaultSpec(forbidden, { rateLimit: {} }, 1000);
    assert.equal(decideFault(stormToo, 2000, () => 0, true).kind, 'rateLimit', 'a storm wins');
  });

  it('validates a publish rejection', function () {
    assert.deepEqual(parseFaultSpec({ rejectPublishes: { status: 401, durationMs: 500 } }), {
      ok: true,
      spec: { rejectPublishes: { status: 401, durationMs: 500 } },
    });
    const bad = parseFaultSpec({
      rejectPublishes: { status: 429, message: '', untilMs: 1, durationMs: 1, x: 1 },
    });
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    assert.equal(bad.problems.length, 4, bad.problems.join('\n'));
    assert.equal(parseFaultSpec({ rejectPublishes: { status: 503 } }).ok, false, '4xx only');
    assert.equal(parseFaultSpec({ rejectPublishes: 'yes' }).ok, false);
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
