import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logging/logger.ts';
import { pgConnectionConfig } from './databaseTls.ts';

/** The SQL migrations of this repository (db/migrations). */
export const migrationsDir = fileURLToPath(new URL('../../../../db/migrations', import.meta.url));
export const migrationsTable = 'realtime_migrations';

export interface MigrateOptions {
  databaseUrl: string;
  logger?: Logger;
  /** Report progress lines (for the CLI). */
  onLine?: (line: string) => void;
}

/**
 * Applies every pending migration under an advisory lock, so replicas or a
 * Helm hook racing each other apply each file once.
 */
export async function migrateUp(options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: pgConnectionConfig(options.databaseUrl),
    dir: migrationsDir,
    migrationsTable,
    // Dotfiles, and down migrations (NNNN_name.down.sql), are not up migrations.
    ignorePattern: '\\..*|.*\\.down\\.sql',
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    log: (line: string) => options.onLine?.(line),
    logger: {
      debug: () => undefined,
      info: (line: string) => options.onLine?.(line),
      warn: (line: string) => options.logger?.warn(line),
      error: (line: string) => options.logger?.error(line),
    },
  });
  return applied.map((m) => m.name);
}
