// Every psql statement in the runbooks runs against the migrated schema, so a
// renamed column or table breaks this test, not an on-call engineer at 3 a.m.
// Placeholders (<game id>, <event id>) become a UUID no row has; statements
// are rolled back. Under the root .mocharc.json the global fixture's database
// is used; with --no-config this file starts (and stops) one itself.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool, type Pool } from '../../packages/core/src/db/pool.ts';
import { createSilentLogger } from '../../packages/core/src/logging/logger.ts';
import { mochaGlobalSetup, mochaGlobalTeardown } from '../../packages/testkit/src/globalFixture.ts';
import { createTestDatabase, type TestDatabase } from '../../packages/testkit/src/testDatabases.ts';
import { incidentResponsePath, runbooksDir } from './support/paths.ts';

interface Statement {
  page: string;
  sql: string;
}

const noSuchId = '00000000-0000-4000-8000-000000000000';

/** The SQL of `psql "$DATABASE_URL" <<SQL … SQL` blocks and `psql "$DATABASE_URL" -c '…'` commands. */
function runbookStatements(page: string, text: string): Statement[] {
  const scripts: string[] = [];
  for (const m of text.matchAll(/psql "\$DATABASE_URL" <<'?SQL'?\n([\s\S]*?)\nSQL\n/g))
    scripts.push(m[1] ?? '');
  for (const m of text.matchAll(/psql "\$DATABASE_URL" -c (?:'([^']*)'|"([^"]*)")/g))
    scripts.push(m[1] ?? m[2] ?? '');
  const statements: Statement[] = [];
  for (const script of scripts) {
    const body = script
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n');
    for (const raw of body.split(/;\s*(?:\n|$)/)) {
      const sql = raw
        .trim()
        .replaceAll('$SHARD_COUNT', '64')
        .replace(/'<(?:game|event) id>'/g, `'${noSuchId}'`);
      if (sql === '' || sql.startsWith('\\')) continue; // psql meta-commands (\copy)
      if (/<[a-z ]+>/.test(sql)) continue; // an operator's choice, e.g. pg_terminate_backend(<pid>)
      statements.push({ page, sql });
    }
  }
  return statements;
}

async function allStatements(): Promise<Statement[]> {
  const statements: Statement[] = [];
  for (const file of (await readdir(runbooksDir)).sort()) {
    if (!file.endsWith('.md')) continue;
    statements.push(...runbookStatements(file, await readFile(join(runbooksDir, file), 'utf8')));
  }
  statements.push(...runbookStatements('incident-response.md', await readFile(incidentResponsePath, 'utf8')));
  return statements;
}

describe('monitoring: runbook SQL', function () {
  this.timeout(120_000);
  let ownServer = false;
  let database: TestDatabase | undefined;
  let pool: Pool | undefined;

  before(async () => {
    if (!process.env['SKETCHYAF_TEST_ADMIN_URL']) {
      await mochaGlobalSetup();
      ownServer = true;
    }
    database = await createTestDatabase();
    pool = createPool({
      connectionString: database.url,
      applicationName: 'runbook-sql-test',
      max: 1,
      logger: createSilentLogger(),
    });
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
    if (ownServer) await mochaGlobalTeardown();
  });

  it('finds the statements', async () => {
    const statements = await allStatements();
    assert.ok(statements.length >= 15, `only ${statements.length} statements found`);
    assert.ok(statements.some((s) => s.sql.startsWith('UPDATE games')));
  });

  it('runs each against the migrated schema', async () => {
    assert.ok(pool);
    const client = await pool.connect();
    const failures: string[] = [];
    try {
      for (const { page, sql } of await allStatements()) {
        await client.query('BEGIN');
        try {
          await client.query(sql);
        } catch (err) {
          failures.push(`${page}: ${(err as Error).message}\n  ${sql.split('\n').join('\n  ')}`);
        } finally {
          await client.query('ROLLBACK');
        }
      }
    } finally {
      client.release();
    }
    assert.deepEqual(failures, []);
  });
});
