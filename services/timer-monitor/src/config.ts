import {
  baseEnvShape,
  databaseConnectionEnvShape,
  databaseConnectionSettingsOf,
  databaseUrlField,
  developmentDefaults,
  intField,
  loadConfig,
  portField,
  type DatabaseConnectionSettings,
  type Env,
  tlsEnvShape,
  withDatabaseCaFile,
} from '@sketchyaf/core';
import { leaseEnvShape, redisCaFileOf } from '@sketchyaf/leases';
import { controlEnvShape, controlSettingsOf, type ControlSettings } from '@sketchyaf/control/agent';

/** Where `npm start` runs its embedded PostgreSQL; the development default. */
export const developmentDatabaseUrl = developmentDefaults.databaseUrl;

/** Key name space of the timer monitor's shard leases; the relay has its own. */
export const defaultLeasePrefix = 'sketchyaf:realtime:timer-monitor';

const shape = {
  ...baseEnvShape,
  DATABASE_URL: databaseUrlField.optional(),
  PORT: portField(8082),
  SHARD_COUNT: intField({ min: 1, max: 4096, default: 64 }),
  TIMER_BATCH_SIZE: intField({ min: 1, max: 10_000, default: 2500 }),
  TIMER_MAX_IN_FLIGHT: intField({ min: 1, max: 16, default: 3 }),
  TIMER_SWEEP_INTERVAL_MS: intField({ min: 100, max: 60_000, default: 1000 }),
  TIMER_FIRE_MARGIN_MS: intField({ min: 0, max: 1000, default: 0 }),
  TIMER_QUARANTINE_RETRY_MS: intField({ min: 100, max: 3_600_000, default: 30_000 }),
  TIMER_QUARANTINE_RETRY_MAX_MS: intField({ min: 100, max: 86_400_000, default: 600_000 }),
  DB_POOL_MAX: intField({ min: 2, max: 100, default: 6 }),
  DB_STATEMENT_TIMEOUT_MS: intField({ min: 100, max: 600_000, default: 10_000 }),
  ...databaseConnectionEnvShape,
  // REDIS_URL unset: no leases, this replica owns every shard (development, or a single replica).
  ...leaseEnvShape(defaultLeasePrefix),
  ...controlEnvShape,
  ...tlsEnvShape,
};

export interface TimerMonitorConfig {
  appEnv: 'development' | 'staging' | 'production';
  logLevel: 'error' | 'warn' | 'info' | 'debug' | 'silent';
  databaseUrl: string;
  host: string;
  port: number;
  shardCount: number;
  batchSize: number;
  maxInFlight: number;
  sweepIntervalMs: number;
  fireMarginMs: number;
  /** First and longest delay between retries of a quarantined game (its transition fails on its own row). */
  quarantineRetry: { firstMs: number; maxMs: number };
  poolMax: number;
  statementTimeoutMs: number;
  /** Client-side timeouts, keepalive and the LISTEN heartbeat (DB_QUERY_TIMEOUT_MARGIN_MS …). */
  database: DatabaseConnectionSettings;
  /** Redlock nodes for shard leases; null: no leases, this replica owns every shard. */
  redisUrls: readonly string[] | null;
  /** Private CA for rediss:// nodes (REDIS_CA_FILE); null: node's public roots. */
  redisCaFile: string | null;
  leaseTtlMs: number;
  leasePrefix: string;
  /** Runtime control: CONTROL_FILE, the RealtimeControl named by CONTROL_RESOURCE, or none. */
  control: ControlSettings;
}

export function loadTimerMonitorConfig(env: Env): Readonly<TimerMonitorConfig> {
  const c = loadConfig(env, shape, { requiredWhenDeployed: ['DATABASE_URL'] });
  return Object.freeze({
    appEnv: c.APP_ENV,
    logLevel: c.LOG_LEVEL,
    databaseUrl: withDatabaseCaFile(c.DATABASE_URL ?? developmentDatabaseUrl, c.DATABASE_CA_FILE),
    host: c.HOST ?? (c.APP_ENV === 'development' ? '127.0.0.1' : '0.0.0.0'),
    port: c.PORT,
    shardCount: c.SHARD_COUNT,
    batchSize: c.TIMER_BATCH_SIZE,
    maxInFlight: c.TIMER_MAX_IN_FLIGHT,
    sweepIntervalMs: c.TIMER_SWEEP_INTERVAL_MS,
    fireMarginMs: c.TIMER_FIRE_MARGIN_MS,
    quarantineRetry: Object.freeze({
      firstMs: c.TIMER_QUARANTINE_RETRY_MS,
      maxMs: Math.max(c.TIMER_QUARANTINE_RETRY_MS, c.TIMER_QUARANTINE_RETRY_MAX_MS),
    }),
    poolMax: c.DB_POOL_MAX,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    database: databaseConnectionSettingsOf(c),
    redisUrls: c.REDIS_URL ? Object.freeze([...c.REDIS_URL]) : null,
    redisCaFile: redisCaFileOf(c.REDIS_URL, c.REDIS_CA_FILE),
    leaseTtlMs: c.LEASE_TTL_MS,
    leasePrefix: c.LEASE_PREFIX,
    control: controlSettingsOf(c),
  });
}
