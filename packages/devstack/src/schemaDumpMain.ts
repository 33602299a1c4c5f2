// `npm run db:schema`: migrates a throwaway PostgreSQL and writes db/schema.sql.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateUp } from '@sketchyaf/core';
import { freePort, startThrowawayPostgres } from '@sketchyaf/local-servers';
import { dumpSchema } from './schemaDump.ts';

export const schemaFile = fileURLToPath(new URL('../../../db/schema.sql', import.meta.url));

const server = await startThrowawayPostgres({
  dataDir: join(tmpdir(), `sketchyaf-schema-pg-${process.pid}`),
  port: await freePort(),
  database: 'schema',
  settings: { fsync: 'off' },
});
try {
  await migrateUp({ databaseUrl: server.url() });
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  try {
    await writeFile(schemaFile, await dumpSchema(client));
  } finally {
    await client.end();
  }
  console.log(`db:schema: wrote ${schemaFile}`);
} finally {
  await server.stop();
}
