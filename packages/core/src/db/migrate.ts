import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import { sleep } from '../runtime/timeout.ts';
import type { Logger } from '../logging/logger.ts';
import { pgConnectionConfig } from './databaseTls.ts';
import {
  lockRetryDelayMs,
  migrationFiles,
  planDown,
  planUp,
  refuseInlineDown,
  retryableLockErrors,
  runsInTransaction,
  splitStatements,
  type MigrationFile,
} from './migrationPlan.ts';

/** The SQL migrations of this repository (db/migrations). */
export const migrationsDir = fileURLToPath(new URL('../../../../db/migrations', import.meta.url));
export const migrationsTable = 'realtime_migrations';
// The key node-pg-migrate locked with, which ran these migrations before this
// runner: a runner of the previous release and this one still exclude each other.
const advisoryLockKey = '7241865325823964';
// Writers of `games` queue behind a migration that waits for a lock: under
// half a second, they stay well under a second even on a busy machine (the
// timer monitor's batches take milliseconds, so a migration rarely retries).
export const defaultLockTimeoutMs = 500;

export interface MigrateOptions {
  databaseUrl: string;
  logger?: Logger;
  /** Report progress lines (for the CLI). */
  onLine?: (line: string) => void;
  /** Another directory of migrations (tests). */
  dir?: string;
  /** How long one statement may wait for a lock before the migration is retried (ms); 0 waits forever. */
  lockTimeoutMs?: number;
  /** Attempts of one migration that keeps hitting lock_timeout before giving up. */
  maxAttempts?: number;
  clock?: Clock;
}

interface Run {
  file: string;
  direction: 'up' | 'down';
  /** Records the migration as applied (up) or not (down), in its transaction when it has one. */
  record: (client: pg.Client) => Promise<unknown>;
}

/**
 * Applies every pending migration, each in its own transaction with a
 * lock_timeout (retried with back-off when it hits it), under an advisory
 * lock so replicas or a Helm hook racing each other apply each file once.
 */
export async function migrateUp(options: MigrateOptions): Promise<string[]> {
  return withMigrationLock(options, async (client, files, applied) => {
    const pending = planUp(files, applied);
    for (const m of pending)
      await runMigration(client, options, m.name, {
        file: m.upFile,
        direction: 'up',
        record: (c) => c.query(`INSERT INTO ${migrationsTable} (name, run_on) VALUES ($1, now())`, [m.name]),
      });
    return pending.map((m) => m.name);
  });
}

/** Runs the down files of the applied migrations numbered above `to`, newest first. */
export async function migrateDown(options: MigrateOptions & { to: number }): Promise<string[]> {
  return withMigrationLock(options, async (client, files, applied) => {
    const undo = planDown(files, applied, options.to);
    for (const m of undo)
      await runMigration(client, options, `${m.name} (down)`, {
        file: m.downFile ?? '',
        direction: 'down',
        record: (c) => c.query(`DELETE FROM ${migrationsTable} WHERE name = $1`, [m.name]),
      });
    return undo.map((m) => m.name);
  });
}

async function withMigrationLock(
  options: MigrateOptions,
  work: (client: pg.Client, files: MigrationFile[], applied: string[]) => Promise<string[]>,
): Promise<string[]> {
  const files = migrationFiles(await readdir(options.dir ?? migrationsDir));
  const client = new pg.Client(pgConnectionConfig(options.databaseUrl));
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${advisoryLockKey})`);
    try {
      // The table node-pg-migrate made, so that databases it migrated carry on.
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${migrationsTable} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
      );
      const { rows } = await client.query<{ name: string }>(
        `SELECT name FROM ${migrationsTable} ORDER BY run_on, id`,
      );
      return await work(
        client,
        files,
        rows.map((r) => r.name),
      );
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${advisoryLockKey})`);
    }
  } finally {
    await client.end();
  }
}

async function runMigration(
  client: pg.Client,
  options: MigrateOptions,
  label: string,
  run: Run,
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const lockTimeoutMs = options.lockTimeoutMs ?? defaultLockTimeoutMs;
  const maxAttempts = options.maxAttempts ?? 8;
  const sql = await readFile(join(options.dir ?? migrationsDir, run.file), 'utf8');
  if (run.direction === 'up') refuseInlineDown(run.file, sql);
  const inTransaction = runsInTransaction(sql);
  const statements = inTransaction ? [sql] : splitStatements(sql);
  const started = clock.monotonic();
  options.onLine?.(`migrate: ${label}${inTransaction ? '' : ' (no transaction)'}`);
  // Outside a transaction, a retry resumes at the statement that hit the
  // lock: the ones before it are committed.
  let next = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (inTransaction) {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
        await client.query(sql);
        await run.record(client);
        await client.query('COMMIT');
      } else {
        await client.query(`SET lock_timeout = ${lockTimeoutMs}`);
        for (; next < statements.length; next += 1) await client.query(statements[next] ?? '');
        await run.record(client);
        await client.query('RESET lock_timeout');
      }
      break;
    } catch (err) {
      // A broken connection fails these too: the migration's own error is the one to report.
      await client.query(inTransaction ? 'ROLLBACK' : 'RESET lock_timeout').catch(() => undefined);
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !retryableLockErrors.has(code) || attempt >= maxAttempts) {
        if (err instanceof Error) err.message = `migration ${label} failed: ${err.message}`;
        throw err;
      }
      const delay = lockRetryDelayMs(attempt + 1);
      const reason =
        code === '40P01' ? 'was chosen as a deadlock victim' : `waited ${lockTimeoutMs} ms for a lock`;
      const line = `migrate: ${label} ${reason} (attempt ${attempt} of ${maxAttempts}); retrying in ${delay} ms`;
      options.onLine?.(line);
      options.logger?.warn(line);
      await sleep(delay, clock);
    }
  }
  options.onLine?.(`migrate: ${label} done in ${Math.round(clock.monotonic() - started)} ms`);
}
