import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { backoffDelay, parseRetryAfter, planRetry } from '../src/relay/backoff.ts';

describe('backoff schedule', () => {
  const settings = { baseMs: 1000, maxMs: 30_000 };

  it('doubles per failure, between half and all of the ceiling', () => {
    assert.equal(
      backoffDelay(1, settings, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(1, settings, () => 0.999999),
      1000,
    );
    assert.equal(
      backoffDelay(2, settings, () => 0),
      1000,
    );
    assert.equal(
      backoffDelay(3, settings, () => 0),
      2000,
    );
  });

  it('is capped by maxMs however many failures', () => {
    assert.equal(
      backoffDelay(50, settings, () => 0.999999),
      30_000,
    );
    assert.equal(
      backoffDelay(1_000_000, settings, () => 0),
      15_000,
    );
  });

  it('property: always within [ceiling/2, ceiling]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(n - 1, 30));
          const delay = backoffDelay(n, settings, () => r);
          return delay >= Math.floor(ceiling / 2) && delay <= ceiling;
        },
      ),
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0, 'a past date means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('999999', now), 3_600_000, 'capped at an hour');
  });

  it('plans retries: backoff, Retry-After as a floor, a longer wait after each round of attempts', () => {
    const retry = { ...settings, maxAttempts: 3 };
    assert.deepEqual(
      planRetry(1, undefined, retry, () => 0),
      { delayMs: 500, endOfRound: false },
    );
    assert.deepEqual(
      planRetry(2, 5000, retry, () => 0),
      { delayMs: 5000, endOfRound: false },
    );
    assert.deepEqual(
      planRetry(3, undefined, retry, () => 0),
      { delayMs: 30_000, endOfRound: true },
    );
  });
});
