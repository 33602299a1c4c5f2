export { AppError, ConfigError, errorCodes, type ErrorCode } from './errors.ts';
export { systemClock, type Clock, type TimerHandle } from './clock.ts';
export { shardOf } from './shard.ts';
export { loadConfig, baseEnvShape, type AppEnv, type Env, type LogLevel } from './config/loadConfig.ts';
export {
  intField,
  portField,
  urlField,
  urlListField,
  tokenListField,
  databaseUrlField,
} from './config/fields.ts';
export { developmentDefaults } from './config/developmentDefaults.ts';
export { redactUrl } from './config/redactUrl.ts';
export { createLogger, createSilentLogger, type Logger } from './logging/logger.ts';
export { withLogContext, currentLogContext } from './logging/context.ts';
export { errorFields } from './logging/errorFields.ts';
export { errorMessage } from './logging/errorMessage.ts';
export { LogThrottle } from './logging/logThrottle.ts';
export { createMetricsRegistry, latencyBuckets, metricPrefix } from './metrics/registry.ts';
export { createHttpApp, createHttpListener, type FrontGate } from './http/app.ts';
export { startHttpServer, type HttpServerHandle } from './http/server.ts';
export type { ReadinessCheck } from './http/readiness.ts';
export { requestIdFor, requestIdOf } from './http/requestId.ts';
export { startWithReleasers } from './lifecycle/releasers.ts';
export { liveResources, resourceMark, type LiveResource } from './lifecycle/liveResources.ts';
export { runMain } from './lifecycle/runMain.ts';
export { defaultShutdownDeadlineMs } from './lifecycle/shutdownDeadline.ts';
export { SchemaMissingWatch } from './lifecycle/schemaMissingWatch.ts';
export { requireRelations } from './db/requireRelations.ts';
export { serviceHandleFor, type ServiceHandle } from './lifecycle/serviceHandle.ts';
export { serviceBasics } from './lifecycle/serviceBasics.ts';
export { launchService, untilStarted, type LaunchContext } from './lifecycle/launchService.ts';
export { backoffDelay, backoffPresets, doublingDelay, type BackoffSettings } from './backoff.ts';
export { TimeoutError, sleep, withTimeout } from './runtime/timeout.ts';
export { WakeTimer } from './runtime/wakeTimer.ts';
export { PeriodicTask } from './runtime/periodicTask.ts';
export { createPool, pingDatabase, type Pool, type PoolClient } from './db/pool.ts';
export {
  classifyDatabaseError,
  describeDatabaseError,
  type DatabaseErrorClass,
  type DatabaseErrorKind,
} from './db/databaseErrors.ts';
export { workerReadiness } from './db/databaseReadiness.ts';
export {
  databaseConnectionEnvShape,
  databaseConnectionSettingsOf,
  type DatabaseConnectionSettings,
} from './db/databaseConnection.ts';
export {
  databaseUnavailableError,
  retryAfterOf,
  type DatabaseUnavailableDetails,
} from './db/databaseUnavailable.ts';
export { NotificationListener } from './db/notificationListener.ts';
export { withDatabaseCaFile } from './db/databaseTls.ts';
export { migrateDown, migrateUp, migrationsDir } from './db/migrate.ts';
export { readCaFile } from './config/caFile.ts';
export { tlsEnvShape } from './config/tlsEnv.ts';
export {
  allowedNextStatuses,
  gameStatuses,
  nextTimedStatus,
  transitionAllowed,
  type GameStatus,
  type Rounds,
} from './gamePhases.ts';
