// db/README.md is what on-call reads about the database: its SQL runs against a
// migrated database, and its tables of triggers and NOTIFY channels are the
// schema's.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { codeBlocks } from '../docs/markdownExamples.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}db/README.md`, 'utf8');
const schema = readFileSync(`${root}db/schema.sql`, 'utf8');

/** The first backticked name of each row of the table after `heading`. */
function firstNames(heading: string): string[] {
  const lines = readme.slice(readme.indexOf(heading)).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const names: string[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    names.push(/`([^`]+)`/.exec(line)?.[1] ?? '');
  }
  return names;
}

describe('db/README.md', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });

  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs its SQL on a migrated database', async () => {
    const blocks = codeBlocks(readme).filter((b) => b.lang === 'sql');
    assert.ok(blocks.length >= 2);
    for (const block of blocks) {
      const { rows } = await pool.query<{
        pg_get_functiondef?: string;
        column_name?: string;
        comment?: string;
      }>(block.text);
      if (rows[0]?.pg_get_functiondef !== undefined) {
        assert.match(rows[0].pg_get_functiondef, /INSERT INTO game_transitions/);
      } else {
        // The comments of games: one per column, none missing.
        assert.ok(rows.some((r) => r.column_name === 'phase_expires_at'));
        for (const row of rows) assert.ok(row.comment, `${row.column_name ?? '?'} has a comment`);
      }
    }
  });

  it('lists the triggers in the order PostgreSQL fires them', () => {
    // BEFORE row triggers, then AFTER ones; within each, by name.
    const triggers = [...schema.matchAll(/^CREATE TRIGGER (\w+) (BEFORE|AFTER) /gm)];
    const named = (when: string) =>
      triggers
        .filter((m) => m[2] === when)
        .map((m) => m[1] ?? '')
        .toSorted();
    assert.deepEqual(firstNames('## Triggers'), [...named('BEFORE'), ...named('AFTER')]);
  });

  it('lists every NOTIFY channel of the functions', () => {
    const inSchema = new Set([...schema.matchAll(/pg_notify\('(\w+)'/g)].map((m) => m[1]));
    assert.deepEqual(firstNames('## NOTIFY channels').toSorted(), [...inSchema].toSorted());
  });

  it('lists every session setting the functions read', () => {
    const inSchema = new Set([...schema.matchAll(/current_setting\('(sketchyaf\.\w+)'/g)].map((m) => m[1]));
    assert.deepEqual(firstNames('## Session settings').toSorted(), [...inSchema].toSorted());
  });
});
