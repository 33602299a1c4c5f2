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
export { errorMessage } from './logging/errorMessage.ts';
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
export {
  Backoff,
  backoffDelay,
  backoffPresets,
  doublingDelay,
  type BackoffPreset,
  type BackoffSettings,
} from './backoff.ts';
export {
  TimeoutError,
  sleep,
  timeoutSignal,
  withTimeout,
  type TimeoutOptions,
  type TimeoutSignal,
} from './runtime/timeout.ts';
export { WakeTimer, type WakeTimerOptions } from './runtime/wakeTimer.ts';
export { PeriodicTask, type PeriodicTaskOptions } from './runtime/periodicTask.ts';
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
export { ShardLeases, type ShardLeasesOptions, type ShardLeasesStatus } from './leases/shardLeases.ts';
export { assignShards, targetShards } from './leases/assignment.ts';
export { classifyVotes, quorumOf, type VoteTally } from './leases/classifyVotes.ts';
export { LeaseBook, leaseMarginMs, leaseValidUntil, type LeaseTiming } from './leases/leaseBook.ts';
export {
  LeaseError,
  LeaseHeldElsewhereError,
  LeaseNoQuorumError,
  RedisUnavailableError,
  LeaseExpiredError,
  LeaseReleasedError,
  type LeaseFailureReason,
  type LeaseEndReason,
} from './leases/leaseErrors.ts';
export { describeLeaseReadiness, leasesReadinessCheck } from './leases/leasesReadiness.ts';
export { createLeaseRedisClient, type LeaseRedisClientOptions } from './leases/redisNodes.ts';
export { leaseEnvShape, type LeaseSettings } from './leases/leaseConfig.ts';
export { redisCaFileOf, redisTlsOptions } from './leases/redisTls.ts';
export { readCaFile } from './config/caFile.ts';
export { tlsEnvShape } from './config/tlsEnv.ts';
export { leasesFor } from './leases/leasesFor.ts';
export { PostgresHolds, type LeaseMode, type PostgresView } from './leases/postgresHolds.ts';
export {
  leaseMembersOf,
  leaseModeOf,
  planRound,
  type RoundInput,
  type RoundPlan,
} from './leases/roundPlan.ts';
export {
  parseControlSpec,
  specDocument,
  specRevision,
  describeSpec,
  isPaused,
  pausable,
  defaultControlSpec,
  controlLimits,
  broadcastingModes,
  timerModes,
  ingestModes,
  type ControlSpec,
  type RelayControl,
  type BroadcastingMode,
  type TimerMode,
  type IngestMode,
  type Pausable,
  type SpecResult,
} from './control/controlSpec.ts';
export {
  parseControlDocument,
  defaultControlState,
  controlCollectionPath,
  controlGroup,
  controlVersion,
  controlApiVersion,
  controlKind,
  controlPlural,
  type ControlState,
  type DocumentResult,
} from './control/controlResource.ts';
export {
  ControlStateHolder,
  HeldControlSource,
  StaticControlSource,
  type ControlSource,
  type ControlSourceKind,
  type ControlSourceStatus,
} from './control/controlSource.ts';
export { FileControlSource, type FileControlSourceOptions } from './control/fileControlSource.ts';
export { ControlAgent, type ControlApplier, type ControlAgentOptions } from './control/controlAgent.ts';
export { createControlMetrics, type ControlMetrics } from './control/controlMetrics.ts';
export { parseAcknowledgement, type ControlAcknowledgement } from './control/acknowledgement.ts';
export { controlEnvShape, controlSettingsOf, type ControlSettings } from './control/controlConfig.ts';
export {
  openControlSource,
  serviceAccountNamespaceFile,
  type OpenControlSourceOptions,
} from './control/openControlSource.ts';
export {
  createControlAgent,
  startControlAgent,
  type StartControlAgentOptions,
} from './control/startControlAgent.ts';
export { describeKubernetesError } from './control/kubernetesErrors.ts';
export type { KubeConfig } from '@kubernetes/client-node';
