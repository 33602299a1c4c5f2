import { z } from 'zod';
import {
  baseEnvShape,
  ConfigError,
  databaseConnectionEnvShape,
  databaseConnectionSettingsOf,
  databaseUrlField,
  intField,
  loadConfig,
  portField,
  urlField,
  type AppEnv,
  type DatabaseConnectionSettings,
  type Env,
  type LogLevel,
  tlsEnvShape,
  withDatabaseCaFile,
} from '@sketchyaf/core';
import { leaseEnvShape, redisCaFileOf } from '@sketchyaf/leases';
import { controlEnvShape, controlSettingsOf, type ControlSettings } from '@sketchyaf/control/agent';
import {
  buildClients,
  parseClientSpecs,
  rateLimitOf,
  type ApiClient,
  type RateLimit,
} from './auth/clients.ts';
import { publisherKinds, type PublisherKind } from './relay/publisher.ts';

/** Where `npm start` runs its embedded PostgreSQL and pubnub-local; the development defaults. */
export const developmentDatabaseUrl = 'postgres://postgres@127.0.0.1:54329/sketchyaf';
export const developmentPubnubOrigin = 'http://127.0.0.1:8090';
/** Accepted by the ingest API in development only; printed at start. */
export const developmentApiToken = 'dev-token-change-me';
export const developmentAdminToken = 'dev-admin-token-change-me';

/** Key name space of the relay's shard leases; the timer monitor has its own. */
export const defaultLeasePrefix = 'sketchyaf:realtime:relay';

const tokenList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  )
  .refine(
    (tokens) => tokens.length > 0 && tokens.every((t) => /^[\x21-\x7e]{16,256}$/.test(t)),
    'must be a comma-separated list of tokens of 16 to 256 printable characters',
  );

const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
  )
  .refine(
    (origins) => origins.every((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)),
    'must be a comma-separated list of origins such as https://play.example.com (scheme, host, optional port)',
  );

const shape = {
  ...baseEnvShape,
  DATABASE_URL: databaseUrlField.optional(),
  PORT: portField(8080),
  PUBNUB_PUBLISH_KEY: z.string().min(1).default('pub-c-local'),
  PUBNUB_SUBSCRIBE_KEY: z.string().min(1).default('sub-c-local'),
  PUBNUB_ORIGIN: urlField(['http:', 'https:']).default(developmentPubnubOrigin),
  PUBNUB_USER_ID: z.string().min(1).max(92).default('sketchyaf-broadcaster'),
  // Access Manager: signs every request and grants player tokens. A secret: never printed.
  PUBNUB_SECRET_KEY: z.string().min(1).optional(),
  BROADCAST_API_TOKENS: tokenList.optional(),
  BROADCAST_ADMIN_TOKENS: tokenList.optional(),
  // JSON, parsed by auth/clients.ts: its problems must never quote the value (tokens).
  BROADCAST_API_CLIENTS: z.string().optional(),
  BROADCAST_CLIENT_RATE_LIMIT: intField({ min: 0, max: 1_000_000, default: 0 }),
  // Unset: one second's worth, at least a full batch (defaultBurst).
  BROADCAST_CLIENT_RATE_BURST: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(
      z.int().min(100, 'must be at least 100 (one full batch)').max(10_000_000, 'must be at most 10000000'),
    )
    .optional(),
  CORS_ORIGINS: originList.default([]),
  SHARD_COUNT: intField({ min: 1, max: 4096, default: 64 }),
  DB_POOL_MAX: intField({ min: 2, max: 100, default: 10 }),
  DB_STATEMENT_TIMEOUT_MS: intField({ min: 100, max: 600_000, default: 10_000 }),
  ...databaseConnectionEnvShape,
  INGEST_COMMIT_WAIT_MS: intField({ min: 0, max: 50, default: 1 }),
  INGEST_COMMIT_MAX_EVENTS: intField({ min: 1, max: 10_000, default: 500 }),
  INGEST_COMMIT_MAX_IN_FLIGHT: intField({ min: 1, max: 32, default: 2 }),
  INGEST_BUSY_WAIT_MS: intField({ min: 0, max: 10_000, default: 1000 }),
  INGEST_COMMIT_QUEUE_TIMEOUT_MS: intField({ min: 100, max: 60_000, default: 2000 }),
  INGEST_QUEUE_MAX_EVENTS: intField({ min: 1, max: 1_000_000, default: 2000 }),
  INGEST_QUEUE_MAX_REQUESTS: intField({ min: 1, max: 100_000, default: 256 }),
  INGEST_QUEUE_MAX_WAIT_MS: intField({ min: 1, max: 60_000, default: 100 }),
  INGEST_MAX_LOOP_LAG_MS: intField({ min: 1, max: 60_000, default: 100 }),
  INGEST_IDEMPOTENCY_RETENTION_MS: intField({ min: 60_000, max: 2_592_000_000, default: 86_400_000 }),
  INGEST_BATCH_BODY_LIMIT_BYTES: intField({ min: 65_536, max: 8_388_608, default: 1_048_576 }),
  RELAY_ENABLED: z.enum(['true', 'false']).default('true'),
  RELAY_CONCURRENCY: intField({ min: 1, max: 1024, default: 128 }),
  // A burst is bound by round trips: 512 in flight cut a 5,000-game burst from 1.6 s to 0.7 s
  // (docs/performance.md). The publisher holds as many connections, so none waits for a socket.
  RELAY_BURST_CONCURRENCY: intField({ min: 0, max: 4096, default: 512 }),
  RELAY_PUBLISHER: z.enum(publisherKinds).default('undici'),
  // Keep-alive connections of the publisher; 0: the larger of RELAY_CONCURRENCY and RELAY_BURST_CONCURRENCY
  // (no publish waits for a socket).
  RELAY_PUBLISH_CONNECTIONS: intField({ min: 0, max: 1024, default: 0 }),
  RELAY_PUBLISH_PIPELINING: intField({ min: 1, max: 100, default: 1 }),
  RELAY_CLAIM_BATCH: intField({ min: 1, max: 5000, default: 500 }),
  RELAY_CLAIM_BATCH_MAX: intField({ min: 1, max: 20_000, default: 4000 }),
  RELAY_MAX_BUFFERED: intField({ min: 1, max: 100_000, default: 10_000 }),
  RELAY_POLL_INTERVAL_MS: intField({ min: 50, max: 600_000, default: 2000 }),
  RELAY_PUBLISH_TIMEOUT_MS: intField({ min: 100, max: 60_000, default: 10_000 }),
  RELAY_MAX_ATTEMPTS: intField({ min: 1, max: 100, default: 3 }),
  RELAY_BACKOFF_BASE_MS: intField({ min: 1, max: 60_000, default: 1000 }),
  RELAY_BACKOFF_MAX_MS: intField({ min: 1, max: 3_600_000, default: 30_000 }),
  RELAY_BREAKER_THRESHOLD: intField({ min: 1, max: 1000, default: 5 }),
  RELAY_BREAKER_HALF_OPEN_MS: intField({ min: 10, max: 600_000, default: 5000 }),
  RELAY_BREAKER_CONFIG_HALF_OPEN_MS: intField({ min: 10, max: 600_000, default: 10_000 }),
  RELAY_SLOW_CALL_MS: intField({ min: 1, max: 60_000, default: 1000 }),
  RELAY_RATE_LIMIT_DEFAULT_MS: intField({ min: 1, max: 600_000, default: 1000 }),
  RELAY_STATS_INTERVAL_MS: intField({ min: 100, max: 600_000, default: 5000 }),
  OUTBOX_RETENTION_MS: intField({ min: 1000, max: 2_592_000_000, default: 86_400_000 }),
  OUTBOX_PRUNE_INTERVAL_MS: intField({ min: 100, max: 86_400_000, default: 60_000 }),
  OUTBOX_PRUNE_BATCH: intField({ min: 1, max: 100_000, default: 1000 }),
  GAME_TRANSITIONS_RETENTION_DAYS: intField({ min: 1, max: 3650, default: 30 }),
  // REDIS_URL unset: no leases, this replica's relay owns every shard (development, or a single replica).
  ...leaseEnvShape(defaultLeasePrefix),
  ...controlEnvShape,
  ...tlsEnvShape,
};

export interface RelaySettings {
  enabled: boolean;
  concurrency: number;
  /** Publishes in flight while more games wait than `concurrency` allows. */
  burstConcurrency: number;
  /** RELAY_PUBLISHER: PubNub's REST publish on undici, or the official SDK. */
  publisher: PublisherKind;
  /** Keep-alive connections of the undici publisher. */
  publishConnections: number;
  /** HTTP/1.1 pipelining depth of the undici publisher (1: none). */
  publishPipelining: number;
  claimBatch: number;
  /** Largest claim while a backlog waits (claims double from claimBatch). */
  claimBatchMax: number;
  maxBuffered: number;
  pollIntervalMs: number;
  publishTimeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /** Half-open delay after PubNub refused our keys (opens at the first refusal). */
  breakerConfigHalfOpenMs: number;
  slowCallMs: number;
  rateLimitDefaultMs: number;
  statsIntervalMs: number;
  retentionMs: number;
  pruneIntervalMs: number;
  pruneBatch: number;
  /** game_transitions rows committed longer ago than this are pruned with the outbox batches. */
  transitionsRetentionMs: number;
}

export interface BroadcasterConfig {
  appEnv: AppEnv;
  logLevel: LogLevel;
  databaseUrl: string;
  host: string;
  port: number;
  pubnub: {
    publishKey: string;
    subscribeKey: string;
    /** `host[:port]`, the SDK's origin. */
    origin: string;
    ssl: boolean;
    userId: string;
  };
  /** PUBNUB_SECRET_KEY: requests are signed and POST /v1/access-tokens grants; null: Access Manager off. */
  pubnubSecretKey: string | null;
  apiTokens: readonly string[];
  /** Empty: the admin API answers 403 to everyone. */
  adminTokens: readonly string[];
  /**
   * Every client of the API: `default` (BROADCAST_API_TOKENS), `admin`
   * (BROADCAST_ADMIN_TOKENS) and those of BROADCAST_API_CLIENTS.
   */
  clients: readonly ApiClient[];
  /** BROADCAST_CLIENT_RATE_LIMIT/_BURST: a client's limit unless it names its own; null: unlimited. */
  defaultRateLimit: RateLimit | null;
  /** True when the development token is in use (main prints it). */
  usingDevelopmentToken: boolean;
  corsOrigins: readonly string[];
  shardCount: number;
  poolMax: number;
  statementTimeoutMs: number;
  /** Client-side timeouts, keepalive and the LISTEN heartbeat (DB_QUERY_TIMEOUT_MARGIN_MS …). */
  database: DatabaseConnectionSettings;
  ingest: {
    commitWaitMs: number;
    commitMaxEvents: number;
    commitMaxInFlight: number;
    /** How long a request naming a game whose row another transaction holds is retried before 503 game_busy. */
    busyWaitMs: number;
    /** A request still queued for its group commit after this long is answered 503 (not written). */
    commitQueueTimeoutMs: number;
    /** Events admitted and not yet answered beyond which a request is refused 503 overloaded. */
    queueMaxEvents: number;
    /** Requests admitted and not yet answered beyond which a request is refused 503 overloaded. */
    queueMaxRequests: number;
    /** A request is refused 503 overloaded while the oldest one waiting for its group has waited this long. */
    queueMaxWaitMs: number;
    /** A request is refused 503 overloaded while the event loop runs this far behind. */
    maxLoopLagMs: number;
    /** How long an Idempotency-Key and its answer are kept (at least; pruned by the housekeeping). */
    idempotencyRetentionMs: number;
    batchBodyLimitBytes: number;
  };
  relay: RelaySettings;
  /** Redlock nodes for the relay's shard leases; null: no leases, this replica owns every shard. */
  redisUrls: readonly string[] | null;
  /** Private CA for rediss:// nodes (REDIS_CA_FILE); null: node's public roots. */
  redisCaFile: string | null;
  leaseTtlMs: number;
  leasePrefix: string;
  /** Runtime control: CONTROL_FILE, the RealtimeControl named by CONTROL_RESOURCE, or none. */
  control: ControlSettings;
}

/** Reads and validates the environment; every problem is reported at once. Pure. */
export function loadBroadcasterConfig(env: Env): Readonly<BroadcasterConfig> {
  const clientsJson = env['BROADCAST_API_CLIENTS']?.trim() || undefined;
  const { specs, problems } = parseClientSpecs(clientsJson);
  let c: ReturnType<typeof loadConfig<typeof shape>>;
  try {
    c = loadConfig(env, shape, {
      requiredWhenDeployed: [
        'DATABASE_URL',
        'PUBNUB_PUBLISH_KEY',
        'PUBNUB_SUBSCRIBE_KEY',
        ['BROADCAST_API_TOKENS', 'BROADCAST_API_CLIENTS'],
      ],
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...problems]);
    throw err;
  }
  const development = c.APP_ENV === 'development';
  const origin = new URL(c.PUBNUB_ORIGIN);
  // The development tokens stand in only when no client of any kind is configured.
  const developmentDefaults = development && clientsJson === undefined;
  const apiTokens = c.BROADCAST_API_TOKENS ?? (developmentDefaults ? [developmentApiToken] : []);
  const adminTokens = c.BROADCAST_ADMIN_TOKENS ?? (developmentDefaults ? [developmentAdminToken] : []);
  const defaultRateLimit = rateLimitOf(c.BROADCAST_CLIENT_RATE_LIMIT, c.BROADCAST_CLIENT_RATE_BURST);
  const built = buildClients({
    apiTokens,
    adminTokens,
    specs,
    defaultRateLimit,
    grantsTokens: c.PUBNUB_SECRET_KEY !== undefined,
  });
  if (problems.length + built.problems.length > 0) throw new ConfigError([...problems, ...built.problems]);
  return Object.freeze({
    appEnv: c.APP_ENV,
    logLevel: c.LOG_LEVEL,
    databaseUrl: withDatabaseCaFile(c.DATABASE_URL ?? developmentDatabaseUrl, c.DATABASE_CA_FILE),
    host: c.HOST ?? (development ? '127.0.0.1' : '0.0.0.0'),
    port: c.PORT,
    pubnub: Object.freeze({
      publishKey: c.PUBNUB_PUBLISH_KEY,
      subscribeKey: c.PUBNUB_SUBSCRIBE_KEY,
      origin: origin.host,
      ssl: origin.protocol === 'https:',
      userId: c.PUBNUB_USER_ID,
    }),
    pubnubSecretKey: c.PUBNUB_SECRET_KEY ?? null,
    apiTokens: Object.freeze([...apiTokens]),
    adminTokens: Object.freeze([...adminTokens]),
    clients: Object.freeze(built.clients),
    defaultRateLimit: defaultRateLimit && Object.freeze(defaultRateLimit),
    usingDevelopmentToken: c.BROADCAST_API_TOKENS === undefined && developmentDefaults,
    corsOrigins: Object.freeze([...c.CORS_ORIGINS]),
    shardCount: c.SHARD_COUNT,
    poolMax: c.DB_POOL_MAX,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    database: databaseConnectionSettingsOf(c),
    ingest: Object.freeze({
      commitWaitMs: c.INGEST_COMMIT_WAIT_MS,
      commitMaxEvents: c.INGEST_COMMIT_MAX_EVENTS,
      commitMaxInFlight: c.INGEST_COMMIT_MAX_IN_FLIGHT,
      busyWaitMs: c.INGEST_BUSY_WAIT_MS,
      commitQueueTimeoutMs: c.INGEST_COMMIT_QUEUE_TIMEOUT_MS,
      queueMaxEvents: c.INGEST_QUEUE_MAX_EVENTS,
      queueMaxRequests: c.INGEST_QUEUE_MAX_REQUESTS,
      queueMaxWaitMs: c.INGEST_QUEUE_MAX_WAIT_MS,
      maxLoopLagMs: c.INGEST_MAX_LOOP_LAG_MS,
      idempotencyRetentionMs: c.INGEST_IDEMPOTENCY_RETENTION_MS,
      batchBodyLimitBytes: c.INGEST_BATCH_BODY_LIMIT_BYTES,
    }),
    relay: Object.freeze({
      enabled: c.RELAY_ENABLED === 'true',
      concurrency: c.RELAY_CONCURRENCY,
      burstConcurrency: c.RELAY_BURST_CONCURRENCY,
      publisher: c.RELAY_PUBLISHER,
      publishConnections:
        c.RELAY_PUBLISH_CONNECTIONS || Math.max(c.RELAY_CONCURRENCY, c.RELAY_BURST_CONCURRENCY),
      publishPipelining: c.RELAY_PUBLISH_PIPELINING,
      claimBatch: c.RELAY_CLAIM_BATCH,
      claimBatchMax: c.RELAY_CLAIM_BATCH_MAX,
      maxBuffered: c.RELAY_MAX_BUFFERED,
      pollIntervalMs: c.RELAY_POLL_INTERVAL_MS,
      publishTimeoutMs: c.RELAY_PUBLISH_TIMEOUT_MS,
      maxAttempts: c.RELAY_MAX_ATTEMPTS,
      backoffBaseMs: c.RELAY_BACKOFF_BASE_MS,
      backoffMaxMs: Math.max(c.RELAY_BACKOFF_MAX_MS, c.RELAY_BACKOFF_BASE_MS),
      breakerThreshold: c.RELAY_BREAKER_THRESHOLD,
      breakerHalfOpenMs: c.RELAY_BREAKER_HALF_OPEN_MS,
      breakerConfigHalfOpenMs: c.RELAY_BREAKER_CONFIG_HALF_OPEN_MS,
      slowCallMs: c.RELAY_SLOW_CALL_MS,
      rateLimitDefaultMs: c.RELAY_RATE_LIMIT_DEFAULT_MS,
      statsIntervalMs: c.RELAY_STATS_INTERVAL_MS,
      retentionMs: c.OUTBOX_RETENTION_MS,
      pruneIntervalMs: c.OUTBOX_PRUNE_INTERVAL_MS,
      pruneBatch: c.OUTBOX_PRUNE_BATCH,
      transitionsRetentionMs: c.GAME_TRANSITIONS_RETENTION_DAYS * 86_400_000,
    }),
    redisUrls: c.REDIS_URL ? Object.freeze([...c.REDIS_URL]) : null,
    redisCaFile: redisCaFileOf(c.REDIS_URL, c.REDIS_CA_FILE),
    leaseTtlMs: c.LEASE_TTL_MS,
    leasePrefix: c.LEASE_PREFIX,
    control: controlSettingsOf(c),
  });
}
