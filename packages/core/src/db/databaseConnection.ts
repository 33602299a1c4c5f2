import { intField } from '../config/fields.ts';
import { defaultSchemaWaitAttempts } from '../lifecycle/startSequence.ts';

/** Timeouts and liveness of every database connection of a service (pool and LISTEN). */
export interface DatabaseConnectionSettings {
  /** Client-side query timeout = the service's statement timeout + this margin. */
  queryTimeoutMarginMs: number;
  /** Connecting, or waiting for a pooled connection. */
  connectTimeoutMs: number;
  /** Idle time before the first TCP keepalive probe. */
  keepAliveInitialDelayMs: number;
  /** A `SELECT 1` on the LISTEN connection this often; no answer within the same time replaces it. */
  listenHeartbeatMs: number;
  /** Consecutive start attempts that meet a missing schema before the service gives up and exits. */
  schemaWaitAttempts: number;
}

export const defaultDatabaseConnection: Readonly<DatabaseConnectionSettings> = Object.freeze({
  queryTimeoutMarginMs: 1000,
  connectTimeoutMs: 2000,
  keepAliveInitialDelayMs: 10_000,
  listenHeartbeatMs: 3000,
  schemaWaitAttempts: defaultSchemaWaitAttempts,
});

/** The variables every service that talks to PostgreSQL reads; spread into its config shape. */
export const databaseConnectionEnvShape = {
  DB_QUERY_TIMEOUT_MARGIN_MS: intField({
    min: 100,
    max: 60_000,
    default: defaultDatabaseConnection.queryTimeoutMarginMs,
  }),
  DB_CONNECT_TIMEOUT_MS: intField({
    min: 100,
    max: 60_000,
    default: defaultDatabaseConnection.connectTimeoutMs,
  }),
  DB_KEEPALIVE_INITIAL_DELAY_MS: intField({
    min: 1000,
    max: 7_200_000,
    default: defaultDatabaseConnection.keepAliveInitialDelayMs,
  }),
  DB_LISTEN_HEARTBEAT_MS: intField({
    min: 200,
    max: 60_000,
    default: defaultDatabaseConnection.listenHeartbeatMs,
  }),
  DB_SCHEMA_WAIT_ATTEMPTS: intField({
    min: 1,
    max: 100_000,
    default: defaultDatabaseConnection.schemaWaitAttempts,
  }),
};

export function databaseConnectionSettingsOf(c: {
  DB_QUERY_TIMEOUT_MARGIN_MS: number;
  DB_CONNECT_TIMEOUT_MS: number;
  DB_KEEPALIVE_INITIAL_DELAY_MS: number;
  DB_LISTEN_HEARTBEAT_MS: number;
  DB_SCHEMA_WAIT_ATTEMPTS: number;
}): Readonly<DatabaseConnectionSettings> {
  return Object.freeze({
    queryTimeoutMarginMs: c.DB_QUERY_TIMEOUT_MARGIN_MS,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    keepAliveInitialDelayMs: c.DB_KEEPALIVE_INITIAL_DELAY_MS,
    listenHeartbeatMs: c.DB_LISTEN_HEARTBEAT_MS,
    schemaWaitAttempts: c.DB_SCHEMA_WAIT_ATTEMPTS,
  });
}
