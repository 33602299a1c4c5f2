import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase } from '@sketchyaf/testkit';
import { dumpSchema } from '../src/schemaDump.ts';

describe('db/schema.sql', () => {
  it('matches what the migrations produce (run `npm run db:schema` after changing a migration)', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const committed = await readFile(
        fileURLToPath(new URL('../../../db/schema.sql', import.meta.url)),
        'utf8',
      );
      const actual = await dumpSchema(client);
      assert.ok(actual.includes('CREATE TABLE games'), 'the dump covers the games table');
      assert.equal(actual, committed, 'db/schema.sql is out of date: run `npm run db:schema` and commit it');
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
