export { AppError, ConfigError, errorCodes, type ErrorCode } from './errors.ts';
export { systemClock, type Clock, type TimerHandle } from './clock.ts';
export { shardOf, allShards } from './shard.ts';
export {
  loadConfig,
  baseEnvShape,
  appEnvs,
  logLevels,
  type AppEnv,
  type Env,
  type LogLevel,
  type LoadOptions,
} from './config/loadConfig.ts';
export {
  intField,
  portField,
  urlField,
  urlListField,
  listField,
  tokenListField,
  caFileField,
  databaseUrlField,
} from './config/fields.ts';
export { developmentDefaults } from './config/developmentDefaults.ts';
export { redactUrl } from './config/redactUrl.ts';
export { createLogger, createSilentLogger, type Logger, type LoggerOptions } from './logging/logger.ts';
export { withLogContext, currentLogContext, type LogContext } from './logging/context.ts';
export { errorFields, serializeError, type SerializedError } from './logging/errorFields.ts';
export { LogThrottle } from './logging/logThrottle.ts';
export { createMetricsRegistry, latencyBuckets, metricPrefix } from './metrics/registry.ts';
export { createHttpApp, createHttpListener, type FrontGate, type HttpAppOptions } from './http/app.ts';
export { startHttpServer, type HttpServerHandle } from './http/server.ts';
export { runReadinessChecks, type ReadinessCheck, type ReadinessReport } from './http/readiness.ts';
export { requestIdFor, requestIdOf } from './http/requestId.ts';
export { Releasers, startWithReleasers } from './lifecycle/releasers.ts';
export { runMain, type MainOptions } from './lifecycle/runMain.ts';
export { serviceHandleFor, type ServiceHandle } from './lifecycle/serviceHandle.ts';
export { serviceBasics, type BasicOverrides } from './lifecycle/serviceBasics.ts';
export {
  launchService,
  untilStarted,
  type LaunchContext,
  type LaunchOptions,
  type LaunchedService,
} from './lifecycle/launchService.ts';
export {
  StartSequence,
  StartAbortedError,
  type StartSequenceOptions,
  type StartStatus,
  type RetryOptions,
} from './lifecycle/startSequence.ts';
export { createStartMetrics, type StartMetrics } from './lifecycle/startMetrics.ts';
export { startRetryDelay, startRetrySettings, worthRetryingAtStart } from './lifecycle/startRetry.ts';
export { backoffDelay, doublingDelay, type BackoffSettings } from './backoff.ts';
export { createPool, pingDatabase, type Pool, type PoolClient, type PoolOptions } from './db/pool.ts';
export {
  classifyDatabaseError,
  describeDatabaseError,
  type DatabaseErrorClass,
  type DatabaseErrorKind,
} from './db/databaseErrors.ts';
export { databaseReadinessCheck, listenerReadinessCheck } from './db/databaseReadiness.ts';
export {
  databaseConnectionEnvShape,
  databaseConnectionSettingsOf,
  defaultDatabaseConnection,
  type DatabaseConnectionSettings,
} from './db/databaseConnection.ts';
export {
  databaseUnavailableError,
  retryAfterOf,
  retryAfterSecondsFor,
  type DatabaseUnavailableDetails,
} from './db/databaseUnavailable.ts';
export { NotificationListener, type NotificationListenerOptions } from './db/notificationListener.ts';
export {
  databaseSslModes,
  databaseTlsProblem,
  pgConnectionConfig,
  pgSslOptions,
  withDatabaseCaFile,
  type DatabaseSslMode,
  type PgConnectionConfig,
} from './db/databaseTls.ts';
export { migrateDown, migrateUp, migrationsDir, migrationsTable, type MigrateOptions } from './db/migrate.ts';
export { readCaFile } from './config/caFile.ts';
export { tlsEnvShape } from './config/tlsEnv.ts';
