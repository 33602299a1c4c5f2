import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import {
  lockRetryDelayMs,
  migrationFiles,
  parseMigrateArgs,
  planDown,
  planUp,
  refuseInlineDown,
  retryableLockErrors,
  runsInTransaction,
  splitStatements,
} from '../src/db/migrationPlan.ts';
import { migrationsDir } from '../src/index.ts';

const listing = ['0001_a.sql', '0001_a.down.sql', '0002_b.sql', '0003_c.sql', '0003_c.down.sql', 'README.md'];

describe('migration plan', () => {
  it('pairs up files with their down files, in order, ignoring other files', () => {
    assert.deepEqual(
      migrationFiles([...listing].reverse()).map((f) => [f.number, f.name, f.downFile]),
      [
        [1, '0001_a', '0001_a.down.sql'],
        [2, '0002_b', undefined],
        [3, '0003_c', '0003_c.down.sql'],
      ],
    );
  });

  it('refuses two files with one number and a down file without its up file', () => {
    assert.throws(() => migrationFiles(['0001_a.sql', '0001_b.sql']), /share the number 0001/);
    assert.throws(() => migrationFiles(['0002_b.down.sql']), /has no up migration 0002_b\.sql/);
  });

  it('plans the pending migrations and refuses an applied list that is not a prefix of the files', () => {
    const files = migrationFiles(listing);
    assert.deepEqual(
      planUp(files, ['0001_a']).map((f) => f.name),
      ['0002_b', '0003_c'],
    );
    assert.deepEqual(planUp(files, ['0001_a', '0002_b', '0003_c']), []);
    assert.throws(() => planUp(files, ['0002_b']), /applied 0002_b where 0001_a was expected/);
    assert.throws(
      () => planUp(files, ['0001_a', '0002_b', '0003_c', '0004_d']),
      /0004_d is applied but has no file/,
    );
  });

  it('plans down to n newest first, and refuses before running anything when a down file is missing', () => {
    const files = migrationFiles(listing);
    const applied = ['0001_a', '0002_b', '0003_c'];
    assert.deepEqual(
      planDown(files, applied, 2).map((f) => f.name),
      ['0003_c'],
    );
    assert.deepEqual(planDown(files, applied, 3), []);
    assert.deepEqual(planDown(files, ['0001_a'], 1), []);
    assert.throws(
      () => planDown(files, applied, 0),
      /cannot go down to 0: no down migration 0002_b\.down\.sql/,
    );
  });

  it('gives every migration of this repository a down file', () => {
    const files = migrationFiles(readdirSync(migrationsDir));
    assert.ok(files.length >= 11);
    assert.deepEqual(
      files.filter((f) => f.downFile === undefined).map((f) => f.name),
      [],
    );
    for (const f of files) {
      const sql = readFileSync(`${migrationsDir}/${f.upFile}`, 'utf8');
      assert.ok(runsInTransaction(sql) || splitStatements(sql).length > 0, f.name);
    }
  });

  it('refuses an up file with a node-pg-migrate down section, naming the file to move it to', () => {
    assert.throws(
      () => refuseInlineDown('0012_x.sql', '-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;'),
      /0012_x\.sql has a "-- Down Migration" section: move it to 0012_x\.down\.sql/,
    );
    refuseInlineDown('0012_x.sql', '-- Up Migration\nSELECT 1; -- Down Migration is elsewhere\n');
  });

  it('runs a migration outside a transaction only with the marker on its first line', () => {
    assert.equal(
      runsInTransaction('-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);'),
      false,
    );
    assert.equal(runsInTransaction('-- Up Migration\n-- migrate: no-transaction\nSELECT 1;'), true);
    assert.equal(runsInTransaction('SELECT 1;'), true);
  });

  it('splits statements on semicolons outside comments, quotes and dollar-quoted bodies', () => {
    const sql = [
      '-- migrate: no-transaction',
      '-- a comment; with a semicolon',
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a) WHERE b <> 'x;''y';",
      '/* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;',
      'DO $$ BEGIN PERFORM 1; END $$;',
      'SELECT "odd;name" FROM t',
      '-- trailing comment only',
    ].join('\n');
    assert.deepEqual(splitStatements(sql), [
      "-- migrate: no-transaction\n-- a comment; with a semicolon\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a) WHERE b <> 'x;''y'",
      '/* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$',
      'DO $$ BEGIN PERFORM 1; END $$',
      'SELECT "odd;name" FROM t\n-- trailing comment only',
    ]);
  });

  it('retries after lock_timeout and a deadlock only, backing off from 1 s, doubling, capped at 15 s', () => {
    assert.deepEqual([...retryableLockErrors].sort(), ['40P01', '55P03']);
    assert.deepEqual(
      [2, 3, 4, 5, 6, 7, 20].map(lockRetryDelayMs),
      [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000],
    );
  });

  it('parses up (the default) and down --to <n>, and refuses anything else with the usage', () => {
    assert.deepEqual(parseMigrateArgs([]), { direction: 'up' });
    assert.deepEqual(parseMigrateArgs(['up']), { direction: 'up' });
    assert.deepEqual(parseMigrateArgs(['down', '--to', '11']), { direction: 'down', to: 11 });
    for (const args of [
      ['down'],
      ['down', '--to'],
      ['down', '--to', 'x'],
      ['down', '--to', '-1'],
      ['sideways'],
    ])
      assert.throws(() => parseMigrateArgs(args), /usage: migrate/);
  });
});
