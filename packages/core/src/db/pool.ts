import pg from 'pg';
import type { Registry } from 'prom-client';
import { trackResource } from '../lifecycle/liveResources.ts';
import { errorFields } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { describeDatabaseError } from './databaseErrors.ts';
import { defaultDatabaseConnection } from './databaseConnection.ts';
import { pgConnectionConfig } from './databaseTls.ts';
import { poolMetricsOf } from './poolMetrics.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  /** A postgres URL; its sslmode and sslrootcert are read as libpq does (databaseTls.ts). */
  connectionString: string;
  applicationName: string;
  max?: number;
  /** Server-side cap on any one statement, so a stuck query cannot hold a connection forever. */
  statementTimeoutMs?: number;
  /**
   * Client-side wait for a query's answer beyond `statementTimeoutMs`: the server cancels first
   * (the statement is then known not to have committed), and a server that stopped answering
   * without closing the socket (failover behind a load balancer, a partition) cannot hang a
   * query past `statementTimeoutMs + queryTimeoutMarginMs`.
   */
  queryTimeoutMarginMs?: number;
  /** Connecting, or waiting for a free connection of the pool, gives up after this long. */
  connectionTimeoutMs?: number;
  /** Idle time before the first TCP keepalive probe (the OS default is two hours). */
  keepAliveInitialDelayMs?: number;
  /** Session settings sent at connect time, e.g. `{ 'sketchyaf.source': 'timer-monitor' }`. */
  sessionSettings?: Readonly<Record<string, string>>;
  logger: Logger;
  /** Exports the pool's connections (poolMetrics.ts) under `pool="<applicationName>"`. */
  registry?: Registry;
}

export function createPool(options: PoolOptions): Pool {
  const settings = Object.entries(options.sessionSettings ?? {})
    .map(([key, value]) => `-c ${key}=${value}`)
    .join(' ');
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    ...pgConnectionConfig(options.connectionString),
    application_name: options.applicationName,
    max: options.max ?? 10,
    statement_timeout: statementTimeoutMs,
    query_timeout:
      statementTimeoutMs + (options.queryTimeoutMarginMs ?? defaultDatabaseConnection.queryTimeoutMarginMs),
    connectionTimeoutMillis: options.connectionTimeoutMs ?? defaultDatabaseConnection.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis:
      options.keepAliveInitialDelayMs ?? defaultDatabaseConnection.keepAliveInitialDelayMs,
    ...(settings ? { options: settings } : {}),
  });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (err) => {
    options.logger.warn('idle database connection failed', {
      cause: describeDatabaseError(err),
      ...errorFields(err),
    });
  });
  if (options.registry) poolMetricsOf(options.registry).track(options.applicationName, pool);
  trackResource('database pool', options.applicationName, () => !pool.ending);
  return pool;
}

/** Readiness probe for a pool: one round trip; a failure names its cause, e.g. `connection (ECONNREFUSED)`. */
export async function pingDatabase(pool: Pool): Promise<undefined> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw new Error(`database unavailable: ${describeDatabaseError(err)}`, { cause: err });
  }
  return undefined;
}
