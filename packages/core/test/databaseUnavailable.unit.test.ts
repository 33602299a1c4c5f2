import { strict as assert } from 'node:assert';
import { AppError, databaseUnavailableError, retryAfterOf, type DatabaseErrorKind } from '../src/index.ts';
import { retryAfterSecondsFor } from '../src/db/databaseUnavailable.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('retryAfterSecondsFor', () => {
  const expected: Record<DatabaseErrorKind, number | null> = {
    connection: 1,
    shutdown: 1,
    serialization: 1,
    lock_timeout: 1,
    timeout: 2,
    schema_missing: 30,
    auth: 30,
    constraint: null,
    data: null,
    unknown: null,
  };
  for (const [kind, seconds] of Object.entries(expected) as [DatabaseErrorKind, number | null][]) {
    it(`${kind} -> ${seconds === null ? 'not retryable (500)' : `${seconds} s`}`, () => {
      assert.equal(retryAfterSecondsFor(kind), seconds);
    });
  }
});

describe('databaseUnavailableError', () => {
  it('maps every transient cause and the operator causes to unavailable, naming the kind only', () => {
    const cases: [Error, DatabaseErrorKind, number, 'not_written' | 'unknown'][] = [
      [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection', 1, 'not_written'],
      [withCode('ECONNRESET'), 'connection', 1, 'unknown'],
      [new Error('Connection terminated unexpectedly'), 'connection', 1, 'unknown'],
      [new Error('timeout exceeded when trying to connect'), 'timeout', 2, 'not_written'],
      [
        new Error('Connection terminated due to connection timeout', {
          cause: new Error('Connection terminated'),
        }),
        'timeout',
        2,
        'not_written',
      ],
      [new Error('Query read timeout'), 'timeout', 2, 'unknown'],
      [withCode('57014'), 'timeout', 2, 'not_written'],
      [withCode('57P01'), 'shutdown', 1, 'not_written'],
      [withCode('53300'), 'shutdown', 1, 'not_written'],
      [withCode('25006'), 'shutdown', 1, 'not_written'],
      [withCode('40001'), 'serialization', 1, 'not_written'],
      [withCode('55P03'), 'lock_timeout', 1, 'not_written'],
      [withCode('42P01'), 'schema_missing', 30, 'not_written'],
      [withCode('28P01'), 'auth', 30, 'not_written'],
    ];
    for (const [err, cause, seconds, outcome] of cases) {
      const mapped = databaseUnavailableError(err);
      assert.ok(mapped instanceof AppError, `${err.message} (${cause})`);
      assert.equal(mapped.code, 'unavailable');
      assert.equal(mapped.status, 503);
      assert.deepEqual(mapped.details, { cause, retryAfterSeconds: seconds, outcome });
      assert.equal(mapped.cause, err, 'the original error stays for the logs');
      assert.ok(!mapped.message.includes('127.0.0.1'), 'no internals in the answer');
    }
  });

  it('leaves a bug or bad data alone (500 and its stack in the log)', () => {
    for (const err of [withCode('23505'), withCode('22P02'), withCode('SK001'), new Error('oops'), 'x']) {
      assert.equal(databaseUnavailableError(err), undefined);
    }
  });
});

describe('retryAfterOf', () => {
  it('reads a positive integer retryAfterSeconds, nothing else', () => {
    assert.equal(retryAfterOf({ retryAfterSeconds: 2 }), 2);
    assert.equal(retryAfterOf({ retryAfterSeconds: 0 }), undefined);
    assert.equal(retryAfterOf({ retryAfterSeconds: '2' }), undefined);
    assert.equal(retryAfterOf(null), undefined);
    assert.equal(retryAfterOf([{ path: 'x' }]), undefined);
  });
});
