import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, freePort } from '@sketchyaf/testkit';
import { classifyDatabaseError, describeDatabaseError, type DatabaseErrorKind } from '../src/index.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyDatabaseError', () => {
  const cases: [string, unknown, DatabaseErrorKind, boolean][] = [
    [
      'connection refused',
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      'connection',
      true,
    ],
    ['connection reset', withCode('ECONNRESET'), 'connection', true],
    ['name not resolved', withCode('ENOTFOUND'), 'connection', true],
    ['socket timeout', withCode('ETIMEDOUT'), 'timeout', true],
    ['pg connection terminated', new Error('Connection terminated unexpectedly'), 'connection', true],
    ['pool checkout timeout', new Error('timeout exceeded when trying to connect'), 'timeout', true],
    ['client query timeout', new Error('Query read timeout'), 'timeout', true],
    ['statement_timeout', withCode('57014'), 'timeout', true],
    ['admin shutdown', withCode('57P01'), 'shutdown', true],
    ['starting up', withCode('57P03'), 'shutdown', true],
    ['too many connections', withCode('53300'), 'shutdown', true],
    ['read-only standby', withCode('25006'), 'shutdown', true],
    ['connection exception class', withCode('08006'), 'connection', true],
    ['serialization', withCode('40001'), 'serialization', true],
    ['deadlock', withCode('40P01'), 'serialization', true],
    ['lock timeout', withCode('55P03'), 'lock_timeout', true],
    ['unique violation', withCode('23505'), 'constraint', false],
    ['table missing', withCode('42P01'), 'schema_missing', false],
    ['function missing', withCode('42883'), 'schema_missing', false],
    ['password refused', withCode('28P01'), 'auth', false],
    ['permission denied (a grant missing)', withCode('42501'), 'auth', false],
    ['trigger refused a transition', withCode('SK001'), 'data', false],
    ['raise exception', withCode('P0001'), 'data', false],
    ['bad jsonb', withCode('22P02'), 'data', false],
    ['wrapped cause', new Error('write failed', { cause: withCode('ECONNREFUSED') }), 'connection', true],
    [
      'several addresses refused',
      new AggregateError([withCode('ECONNREFUSED')], 'all failed'),
      'connection',
      true,
    ],
    ['not an error', 'nothing', 'unknown', false],
    ['unknown code', withCode('XX000'), 'unknown', false],
  ];
  for (const [name, err, kind, transient] of cases) {
    it(`${name} -> ${kind}`, () => {
      const c = classifyDatabaseError(err);
      assert.equal(c.kind, kind);
      assert.equal(c.transient, transient);
    });
  }

  it('says whether a failed statement may have been applied all the same', () => {
    const cases: [unknown, boolean][] = [
      [withCode('ECONNREFUSED'), false],
      [withCode('ENOTFOUND'), false],
      [new Error('timeout exceeded when trying to connect'), false],
      [new Error('Connection terminated due to connection timeout'), false],
      [withCode('57014'), false],
      [withCode('57P01'), false],
      [withCode('40001'), false],
      [withCode('23505'), false],
      [withCode('ECONNRESET'), true],
      [withCode('EPIPE'), true],
      [new Error('Connection terminated unexpectedly'), true],
      [new Error('Query read timeout'), true],
      [new Error('oops'), false],
    ];
    for (const [err, expected] of cases) {
      assert.equal(classifyDatabaseError(err).mayHaveCommitted, expected, String(err));
    }
  });

  it('describes a failure with its code', () => {
    assert.equal(describeDatabaseError(withCode('ECONNREFUSED')), 'connection (ECONNREFUSED)');
    assert.equal(describeDatabaseError(new Error('Query read timeout')), 'timeout');
  });

  it('classifies what the real pg client throws: refused connection, missing table, trigger error', async () => {
    const port = await freePort();
    const refused = new pg.Client({ connectionString: `postgres://x@127.0.0.1:${port}/x` });
    const err = await refused.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(classifyDatabaseError(err).kind, 'connection');

    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const missing = await client.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
      assert.equal(classifyDatabaseError(missing).kind, 'schema_missing');
      const invalid = await client
        .query(`INSERT INTO games (status) VALUES ('drawing')`)
        .catch((e: unknown) => e);
      assert.deepEqual(
        { kind: classifyDatabaseError(invalid).kind, code: classifyDatabaseError(invalid).code },
        { kind: 'data', code: 'SK002' },
      );
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
