import { strict as assert } from 'node:assert';
import {
  afterFailure,
  afterSuccess,
  beforeCall,
  closedCircuit,
  type CircuitPhase,
  type CircuitSettings,
} from '../src/relay/circuitPolicy.ts';
import { circuitFailureOf, PublishCircuit } from '../src/relay/publishCircuit.ts';
import {
  classifyPublishFailure,
  ConfigurationPublishError,
  PoisonPublishError,
  RateLimitedPublishError,
  TransientPublishError,
  type PublishFailureKind,
} from '../src/relay/publishErrors.ts';
import { headerValue } from '../src/relay/retryAfterProbe.ts';

describe('publish failure classification', () => {
  // What PubNub answers (status, and the description the SDK hands over as errorData or its message).
  const table: [number, string, PublishFailureKind][] = [
    [0, 'no answer from PubNub within 10000 ms', 'transient'],
    [408, 'Request Timeout', 'transient'],
    [500, 'Internal Server Error', 'transient'],
    [502, 'Bad Gateway', 'transient'],
    [503, 'Service Unavailable', 'transient'],
    [504, 'Gateway Timeout', 'transient'],
    [429, 'Too Many Requests', 'rate_limited'],
    // Access Manager: key revoked or rotated, Access Manager switched on, token expired.
    [403, 'Forbidden', 'configuration'],
    [401, 'Unauthorized', 'configuration'],
    [400, 'Invalid Key', 'configuration'],
    [400, 'Invalid Subscribe Key', 'configuration'],
    [400, 'Invalid Publish Key', 'configuration'],
    [400, 'Invalid Signature', 'configuration'],
    [400, 'Signature does not match', 'configuration'],
    [400, 'Invalid token', 'configuration'],
    [402, 'Feature not enabled for this keyset', 'configuration'],
    [404, 'Not Found', 'configuration'],
    // The event's own fault.
    [413, 'Request Entity Too Large', 'poison'],
    [414, 'Request-URI Too Long', 'poison'],
    [400, 'Invalid JSON', 'poison'],
    [400, 'Invalid Channel', 'poison'],
    [400, 'Invalid Message Encoding', 'poison'],
    [400, 'Missing Message', 'poison'],
    [400, 'Invalid Meta', 'poison'],
    [400, 'PNBadRequestCategory', 'poison'],
  ];
  for (const [status, description, kind] of table) {
    it(`${status} "${description}" is ${kind}`, () => {
      assert.equal(classifyPublishFailure(status, description), kind);
    });
  }

  it('counts every kind but poison against the circuit, as that kind', () => {
    assert.equal(circuitFailureOf(new TransientPublishError('x', 503)), 'transient');
    assert.equal(circuitFailureOf(new RateLimitedPublishError('x', 1000)), 'rate_limited');
    assert.equal(circuitFailureOf(new ConfigurationPublishError('x', 403)), 'configuration');
    assert.equal(circuitFailureOf(new PoisonPublishError('x', 400)), null);
    assert.equal(circuitFailureOf(new Error('bug')), null);
  });

  it('reads a header from undici raw headers (Buffers or strings)', () => {
    const raw = [
      Buffer.from('Content-Type'),
      Buffer.from('application/json'),
      Buffer.from('Retry-After'),
      Buffer.from('2'),
    ];
    assert.equal(headerValue(raw, 'retry-after'), '2');
    assert.equal(headerValue(['retry-after', '7'], 'retry-after'), '7');
    assert.equal(headerValue(raw, 'x-missing'), undefined);
    assert.equal(headerValue('nope', 'retry-after'), undefined);
  });
});

describe('circuit policy', () => {
  const settings: CircuitSettings = {
    threshold: 3,
    halfOpenAfterMs: 5000,
    configurationHalfOpenAfterMs: 10_000,
  };

  it('opens after `threshold` transient failures in a row; a success in between starts the count again', () => {
    let phase: CircuitPhase = closedCircuit;
    phase = afterFailure(phase, 'transient', 0, settings);
    phase = afterFailure(phase, 'rate_limited', 0, settings);
    phase = afterSuccess(phase);
    assert.deepEqual(phase, closedCircuit);
    phase = afterFailure(phase, 'transient', 0, settings);
    phase = afterFailure(phase, 'transient', 0, settings);
    assert.equal(phase.name, 'closed');
    phase = afterFailure(phase, 'transient', 100, settings);
    assert.deepEqual(phase, { name: 'open', cause: 'transient', trialAt: 5100 });
  });

  it('opens at the first refusal of our keys, for the longer configuration delay', () => {
    const phase = afterFailure(closedCircuit, 'configuration', 1000, settings);
    assert.deepEqual(phase, { name: 'open', cause: 'configuration', trialAt: 11_000 });
  });

  it('lets one trial through when due; its success closes, its failure opens for a full delay', () => {
    const open = afterFailure(closedCircuit, 'configuration', 0, settings);
    assert.equal(beforeCall(open, 9999).allowed, false);
    const trial = beforeCall(open, 10_000);
    assert.equal(trial.allowed, true);
    assert.deepEqual(trial.next, { name: 'half_open', cause: 'configuration' });
    assert.equal(beforeCall(trial.next, 10_001).allowed, false, 'one trial at a time');
    assert.deepEqual(afterSuccess(trial.next), closedCircuit);
    assert.deepEqual(afterFailure(trial.next, 'configuration', 12_000, settings), {
      name: 'open',
      cause: 'configuration',
      trialAt: 22_000,
    });
    // PubNub refused the keys, then answered 503 to the trial: a PubNub fault now, the shorter delay.
    assert.deepEqual(afterFailure(trial.next, 'transient', 12_000, settings), {
      name: 'open',
      cause: 'transient',
      trialAt: 17_000,
    });
  });

  it('ignores late answers of calls sent before it opened', () => {
    const open = afterFailure(closedCircuit, 'configuration', 0, settings);
    assert.equal(afterSuccess(open), open);
    assert.equal(afterFailure(open, 'transient', 50, settings), open);
  });
});

describe('PublishCircuit', () => {
  function circuitAt(clock: { now: number }): { circuit: PublishCircuit; changes: string[] } {
    const changes: string[] = [];
    const circuit = new PublishCircuit({
      clock: { now: () => clock.now },
      threshold: 5,
      halfOpenAfterMs: 5000,
      configurationHalfOpenAfterMs: 10_000,
      onStateChange: (state, cause) => changes.push(`${state}:${String(cause)}`),
    });
    return { circuit, changes };
  }

  it('a 403 opens it at once; calls are refused unsent until the trial, whose success closes it', async () => {
    const clock = { now: 0 };
    const { circuit, changes } = circuitAt(clock);
    let sent = 0;
    const refused = (): Promise<never> => {
      sent += 1;
      return Promise.reject(new ConfigurationPublishError('PubNub 403: Forbidden', 403));
    };
    await assert.rejects(circuit.execute(refused), ConfigurationPublishError);
    assert.equal(circuit.state, 'open');
    assert.equal(circuit.cause, 'configuration');
    assert.equal(circuit.trialDueAt, 10_000);
    clock.now = 9000;
    await assert.rejects(circuit.execute(refused), { name: 'BrokenCircuitError' });
    assert.equal(sent, 1, 'nothing sent while open');
    clock.now = 10_000;
    assert.equal(await circuit.execute(() => Promise.resolve('tt')), 'tt');
    assert.equal(circuit.state, 'closed');
    assert.deepEqual(changes, ['open:configuration', 'half_open:configuration', 'closed:null']);
  });

  it('a poison answer neither counts nor keeps it open: PubNub accepted our keys', async () => {
    const clock = { now: 0 };
    const { circuit } = circuitAt(clock);
    for (let i = 0; i < 10; i += 1)
      await assert.rejects(circuit.execute(() => Promise.reject(new PoisonPublishError('413', 413))));
    assert.equal(circuit.state, 'closed');
  });

  it('slow successes are successes: 20 calls of 30 ms leave it closed', async () => {
    const { circuit } = circuitAt({ now: 0 });
    for (let i = 0; i < 20; i += 1)
      await circuit.execute(() => new Promise<string>((resolve) => setTimeout(() => resolve('tt'), 30)));
    assert.equal(circuit.state, 'closed');
  });
});
