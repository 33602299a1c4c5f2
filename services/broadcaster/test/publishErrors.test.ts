import { strict as assert } from 'node:assert';
import { countsAgainstCircuit } from '../src/relay/publishCircuit.ts';
import {
  classifyStatus,
  PoisonPublishError,
  RateLimitedPublishError,
  SlowPublishError,
  TransientPublishError,
} from '../src/relay/publishErrors.ts';
import { headerValue } from '../src/relay/retryAfterProbe.ts';

describe('publish failure classification', () => {
  it('429 is rate limiting, 408/5xx/no response transient, other 4xx poison', () => {
    assert.equal(classifyStatus(429), 'rate_limited');
    for (const s of [0, 408, 500, 502, 503, 504]) assert.equal(classifyStatus(s), 'transient', String(s));
    for (const s of [400, 401, 403, 404, 413, 414]) assert.equal(classifyStatus(s), 'poison', String(s));
  });

  it('only failures that say "PubNub is unwell" count against the circuit', () => {
    assert.ok(countsAgainstCircuit(new TransientPublishError('x', 503)));
    assert.ok(countsAgainstCircuit(new RateLimitedPublishError('x', 1000)));
    assert.ok(countsAgainstCircuit(new SlowPublishError('1', 2000)));
    assert.ok(!countsAgainstCircuit(new PoisonPublishError('x', 400)));
    assert.ok(!countsAgainstCircuit(new Error('bug')));
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
