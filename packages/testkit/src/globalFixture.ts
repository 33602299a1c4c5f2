// Mocha global fixture (root .mocharc.json): one PostgreSQL for the whole run,
// a migrated template database that each test file clones.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateUp } from '@sketchyaf/core';
import { freePort, startThrowawayPostgres, type EmbeddedPostgres } from '@sketchyaf/local-servers';
import { publishTestServer, withDatabase } from './testDatabases.ts';
import { refuseInUnitLane } from './unitLane.ts';

let server: EmbeddedPostgres | undefined;
let cleanupTemplate: (() => Promise<void>) | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  refuseInUnitLane('does not start PostgreSQL (the global fixture)');
  let adminUrl = process.env['TEST_DATABASE_URL'];
  if (!adminUrl) {
    const port = await freePort();
    server = await startThrowawayPostgres({
      dataDir: join(tmpdir(), `sketchyaf-test-pg-${process.pid}`),
      port,
      database: 'postgres',
      // Throwaway data: durability settings only slow the suite down.
      settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off', max_connections: '300' },
    });
    adminUrl = server.url('postgres');
    // A run stopped with Ctrl-C or `timeout` must not leave its server behind.
    const started = server;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void started.stop().finally(() => process.kill(process.pid, signal));
      });
    }
  }
  const template = `sketchyaf_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(template)}`);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  await migrateUp({ databaseUrl: withDatabase(adminUrl, template) });
  publishTestServer(adminUrl, template);
  const url = adminUrl;
  cleanupTemplate = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(template)} WITH (FORCE)`);
    await client.end();
  };
}

export async function mochaGlobalTeardown(): Promise<void> {
  await cleanupTemplate?.().catch(() => undefined);
  await server?.stop();
}
export { mochaHooks } from './leakCheck.ts';
