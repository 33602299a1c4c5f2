import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { startRetryDelay, startRetrySettings, worthRetryingAtStart } from '../src/lifecycle/startRetry.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('start retry policy', () => {
  it('starts quick and doubles: 50–100 ms, then 100–200 ms, 200–400 ms', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => startRetryDelay(n, () => 0)),
      [50, 100, 200],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => startRetryDelay(n, () => 0.999999)),
      [100, 200, 400],
    );
  });

  it('never waits more than 1 s, however long the dependency has been down', () => {
    assert.equal(startRetrySettings.maxMs, 1000);
    assert.equal(
      startRetryDelay(1_000_000, () => 0.999999),
      1000,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const delay = startRetryDelay(n, () => r);
          return delay >= 50 && delay <= 1000;
        },
      ),
    );
  });

  it('retries every database failure, including the ones an operator fixes, and nothing else', () => {
    const retried: [string, unknown][] = [
      ['refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
      ['name not resolved', withCode('ENOTFOUND')],
      ['starting up', withCode('57P03', 'the database system is starting up')],
      ['too many connections', withCode('53300')],
      ['pool checkout timeout', new Error('timeout exceeded when trying to connect')],
      ['migrations not applied', withCode('42P01', 'relation "games" does not exist')],
      ['password refused', withCode('28P01')],
      ['database missing', withCode('3D000')],
      ['a SQLSTATE we do not classify: still the server answering', withCode('42501', 'permission denied')],
      ['several addresses, all refused', new AggregateError([withCode('ECONNREFUSED')], 'connect failed')],
    ];
    for (const [what, err] of retried) assert.equal(worthRetryingAtStart(err), true, what);
    const fatal: [string, unknown][] = [
      ['a bug', new TypeError("Cannot read properties of undefined (reading 'rows')")],
      ['a plain error', new Error('something else')],
      ['not an error', 'oops'],
    ];
    for (const [what, err] of fatal) assert.equal(worthRetryingAtStart(err), false, what);
  });
});
