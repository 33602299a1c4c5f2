import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateUp } from '@sketchyaf/core';
import { freePort, startThrowawayPostgres, type EmbeddedPostgres } from '@sketchyaf/local-servers';

/**
 * A fresh, migrated PostgreSQL with durable settings (fsync on) sized like a
 * small production instance, so figures are not flattered by test shortcuts.
 */
export async function startBenchPostgres(name: string): Promise<EmbeddedPostgres> {
  const server = await startThrowawayPostgres({
    dataDir: join(tmpdir(), `sketchyaf-bench-${name}-${process.pid}`),
    port: await freePort(),
    database: 'bench',
    onLog: process.env['PGLOG'] ? (l) => process.stderr.write(l) : undefined,
    settings: {
      shared_buffers: '1GB',
      max_wal_size: '8GB',
      checkpoint_timeout: '15min',
      max_connections: '200',
      ...(process.env['PGLOG']
        ? {
            session_preload_libraries: 'auto_explain',
            'auto_explain.log_min_duration': '40',
            'auto_explain.log_nested_statements': 'on',
            'auto_explain.log_analyze': 'on',
          }
        : {}),
    },
  });
  await migrateUp({ databaseUrl: server.url() });
  return server;
}
