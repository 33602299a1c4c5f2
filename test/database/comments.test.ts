// Every table, column, function and trigger of the public schema says what it
// is for (migration 0014), where `\d+` and obj_description() show it: a later
// migration that adds an object without its COMMENT fails here.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';

/** Objects of the public schema without a comment, as `kind name`. The migration runner's own table is not the schema's. */
const uncommented = `
  SELECT 'table ' || c.relname AS object
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'realtime_migrations'
    AND obj_description(c.oid, 'pg_class') IS NULL
  UNION ALL
  SELECT 'column ' || c.relname || '.' || a.attname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'realtime_migrations'
    AND col_description(c.oid, a.attnum) IS NULL
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public' AND obj_description(p.oid, 'pg_proc') IS NULL
  UNION ALL
  SELECT 'trigger ' || t.tgname || ' on ' || c.relname
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND NOT t.tgisinternal AND obj_description(t.oid, 'pg_trigger') IS NULL
  ORDER BY 1`;

describe('comments on the schema', () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    await db?.drop();
  });

  it('every table, column, function and trigger of the public schema has one', async () => {
    const { rows } = await client.query<{ object: string }>(uncommented);
    assert.deepEqual(
      rows.map((r) => r.object),
      [],
      'add a COMMENT ON for each in the migration that creates it',
    );
  });

  it('the check sees an object without one', async () => {
    await client.query('BEGIN');
    try {
      await client.query('CREATE TABLE realtime_uncommented (id int)');
      await client.query(
        'CREATE FUNCTION realtime_uncommented_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
      );
      const { rows } = await client.query<{ object: string }>(uncommented);
      assert.deepEqual(
        rows.map((r) => r.object),
        [
          'column realtime_uncommented.id',
          'function realtime_uncommented_fn()',
          'table realtime_uncommented',
        ],
      );
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
