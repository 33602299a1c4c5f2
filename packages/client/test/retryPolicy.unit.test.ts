import { strict as assert } from 'node:assert';
import {
  backoffDelay,
  defaultRetrySettings,
  errorKindOf,
  isRetryable,
  nextRetry,
  parseRetryAfter,
  type ErrorKind,
} from '../src/index.ts';
import { parseErrorBody } from '../src/errors.ts';
import { parseReceipt, parseReceipts } from '../src/receipts.ts';

const settings = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 10_000 };

describe('client back-off', () => {
  it('doubles from baseDelayMs up to maxDelayMs, jittered between half and all of it', () => {
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, i) => {
      assert.equal(
        backoffDelay(i + 1, settings, () => 0),
        ceiling / 2,
        `failure ${i + 1}, lowest`,
      );
      assert.equal(
        backoffDelay(i + 1, settings, () => 0.999_999),
        ceiling,
        `failure ${i + 1}, highest`,
      );
    });
    assert.equal(
      backoffDelay(1_000, settings, () => 0.5),
      750,
      'a huge count stays capped',
    );
  });

  it('reads Retry-After as seconds or an HTTP date, null when absent or unreadable', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a date in the past: now');
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '2025-01-01T00:00:03Z', '1e3'])
      assert.equal(parseRetryAfter(bad, now), null, String(bad));
  });
});

describe('client retry decision', () => {
  const failure = (kind: ErrorKind, retryAfterMs: number | null = null) => ({ kind, retryAfterMs });
  const half = () => 0;

  it('retries network errors, timeouts, 429 and 503 with the back-off', () => {
    for (const kind of ['network', 'timeout', 'rate_limited', 'unavailable'] as const)
      assert.deepEqual(nextRetry(failure(kind), 2, 0, settings, half), { retry: true, delayMs: 100 }, kind);
  });

  it('never retries other failures', () => {
    for (const kind of [
      'validation',
      'auth',
      'scope',
      'idempotency_reused',
      'not_found',
      'server',
      'unexpected',
    ] as const)
      assert.deepEqual(nextRetry(failure(kind), 1, 0, settings), { retry: false, reason: 'not_retryable' });
  });

  it('waits at least Retry-After, even beyond maxDelayMs', () => {
    assert.deepEqual(nextRetry(failure('unavailable', 2000), 1, 0, settings, half), {
      retry: true,
      delayMs: 2000,
    });
    assert.deepEqual(
      nextRetry(failure('rate_limited', 10), 3, 0, settings, () => 0.999_999),
      { retry: true, delayMs: 400 },
      'the back-off when it is the longer',
    );
  });

  it('stops after maxAttempts attempts, and when the wait would end past maxElapsedMs', () => {
    assert.deepEqual(nextRetry(failure('network'), 4, 0, settings), {
      retry: false,
      reason: 'attempts_exhausted',
    });
    assert.deepEqual(nextRetry(failure('unavailable', 5000), 1, 5001, settings), {
      retry: false,
      reason: 'time_exhausted',
    });
    assert.equal(nextRetry(failure('unavailable', 5000), 1, 5000, settings).retry, true);
  });

  it('has defaults that retry a few times within half a minute', () => {
    assert.deepEqual(defaultRetrySettings, {
      maxAttempts: 5,
      baseDelayMs: 200,
      maxDelayMs: 5000,
      maxElapsedMs: 30_000,
    });
  });
});

describe('client error mapping', () => {
  it('maps status and code to a kind', () => {
    const cases: [number, string, ErrorKind][] = [
      [400, 'validation_failed', 'validation'],
      [400, 'invalid_json', 'validation'],
      [413, 'payload_too_large', 'validation'],
      [415, 'unsupported_media_type', 'validation'],
      [401, 'unauthorized', 'auth'],
      [403, 'forbidden', 'auth'],
      [403, 'insufficient_scope', 'scope'],
      [404, 'not_found', 'not_found'],
      [422, 'idempotency_key_reused', 'idempotency_reused'],
      [422, 'something_else', 'unexpected'],
      [429, 'rate_limited', 'rate_limited'],
      [503, 'unavailable', 'unavailable'],
      [503, 'overloaded', 'unavailable'],
      [503, 'game_busy', 'unavailable'],
      [502, 'http_502', 'unavailable'],
      [504, 'http_504', 'unavailable'],
      [500, 'internal', 'server'],
      [409, 'conflict', 'unexpected'],
    ];
    for (const [status, code, kind] of cases)
      assert.equal(errorKindOf(status, code), kind, `${status} ${code}`);
    assert.equal(isRetryable('unavailable'), true);
    assert.equal(isRetryable('server'), false);
  });

  it("reads the API's error body, and gives a code to one that is not the API's", () => {
    assert.deepEqual(
      parseErrorBody(400, {
        error: {
          code: 'validation_failed',
          message: 'Event failed validation',
          details: [{ path: 'gameId' }],
        },
        requestId: 'r-1',
      }),
      {
        status: 400,
        code: 'validation_failed',
        message: 'Event failed validation',
        details: [{ path: 'gameId' }],
        requestId: 'r-1',
      },
    );
    assert.deepEqual(parseErrorBody(502, '<html>Bad Gateway</html>'), {
      status: 502,
      code: 'http_502',
      message: 'HTTP 502',
      details: null,
      requestId: null,
    });
  });

  it('reads receipts, and refuses what is not one', () => {
    const receipt = { eventId: 'e', requestId: 'r', channel: 'game.g', sequence: 3 };
    assert.deepEqual(parseReceipt(receipt), receipt);
    assert.deepEqual(
      parseReceipt({ ...receipt, sequence: null, deliveryState: 'published', timetoken: '1' }),
      {
        ...receipt,
        sequence: null,
        deliveryState: 'published',
        timetoken: '1',
      },
    );
    assert.deepEqual(
      parseReceipt({ ...receipt, deliveryState: 'dead_lettered', timetoken: null, error: 'x' }),
      {
        ...receipt,
        deliveryState: 'dead_lettered',
        timetoken: null,
        error: 'x',
      },
    );
    for (const bad of [null, [], 'x', { ...receipt, eventId: 1 }, { ...receipt, sequence: 1.5 }])
      assert.equal(parseReceipt(bad), null, JSON.stringify(bad));
    assert.equal(parseReceipt({ ...receipt, deliveryState: 'lost' }), null);
    assert.deepEqual(parseReceipts([receipt, receipt], 2), [receipt, receipt]);
    assert.equal(parseReceipts([receipt], 2), null, 'one receipt per event sent');
  });
});
