import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  connectionString: string;
  applicationName: string;
  max?: number;
  /** Server-side cap on any one statement, so a stuck query cannot hold a connection forever. */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Session settings sent at connect time, e.g. `{ 'sketchyaf.source': 'timer-monitor' }`. */
  sessionSettings?: Readonly<Record<string, string>>;
  logger: Logger;
}

export function createPool(options: PoolOptions): Pool {
  const settings = Object.entries(options.sessionSettings ?? {})
    .map(([key, value]) => `-c ${key}=${value}`)
    .join(' ');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    application_name: options.applicationName,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...(settings ? { options: settings } : {}),
  });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (err) => {
    options.logger.warn('idle database connection failed', { err: err.message });
  });
  return pool;
}

/** Readiness probe for a pool: one round trip. */
export async function pingDatabase(pool: Pool): Promise<undefined> {
  await pool.query('SELECT 1');
  return undefined;
}
