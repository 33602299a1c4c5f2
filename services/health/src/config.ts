import { z } from 'zod';
import {
  baseEnvShape,
  databaseUrlField,
  developmentDefaults,
  intField,
  loadConfig,
  tokenListField,
  portField,
  urlField,
  urlListField,
  type AppEnv,
  type Env,
  type LogLevel,
  tlsEnvShape,
  withDatabaseCaFile,
} from '@sketchyaf/core';
import { redisCaFileOf } from '@sketchyaf/leases';
import { controlEnvShape, controlSettingsOf, type ControlSettings } from '@sketchyaf/control/agent';

/** Development defaults: what `npm start` runs on loopback (docs/contract.md, "Local run defaults"). */
export const developmentDatabaseUrl = developmentDefaults.databaseUrl;
export const developmentPubnubOrigin = developmentDefaults.pubnubOrigin;
export const developmentBroadcasterUrl = developmentDefaults.broadcasterUrl;
export const developmentTimerMonitorUrl = developmentDefaults.timerMonitorUrl;
/** The broadcaster's development API token (accepted in development only). */
export const developmentCanaryToken = developmentDefaults.apiToken;
/** Where the status page links each component and SLI to its runbook (as the alert rules do). */
export const defaultRunbookBaseUrl =
  'https://github.com/sketchyaf/sketchyaf-realtime/blob/main/runbooks/alerts/';
/** Selects the release's Deployments (the chart sets this label on every object). */
export const defaultDeploymentSelector = 'app.kubernetes.io/part-of=sketchyaf-realtime';

const httpUrls = urlListField(['http:', 'https:']);

const shape = {
  ...baseEnvShape,
  PORT: portField(8081),
  DATABASE_URL: databaseUrlField.optional(),
  REDIS_URL: urlListField(['redis:', 'rediss:']).optional(),
  PUBNUB_ORIGIN: urlField(['http:', 'https:']).default(developmentPubnubOrigin),
  PUBNUB_SUBSCRIBE_KEY: z.string().min(1).default('sub-c-local'),
  PUBNUB_USER_ID: z.string().min(1).max(92).default('sketchyaf-health'),
  // With Access Manager on, the canary subscriber signs its requests (server side, as the relay):
  // the v2 signature covers the publish key. A secret: never printed.
  PUBNUB_PUBLISH_KEY: z.string().min(1).default('pub-c-local'),
  PUBNUB_SECRET_KEY: z.string().min(1).optional(),
  BROADCASTER_URLS: httpUrls.optional(),
  RELAY_URLS: httpUrls.optional(),
  TIMER_MONITOR_URLS: httpUrls.optional(),
  CANARY_ENABLED: z.enum(['true', 'false']).default('true'),
  CANARY_API_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable characters')
    .optional(),
  BROADCAST_API_TOKENS: tokenListField.optional(),
  CANARY_USER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')
    .default('sketchyaf-health-canary'),
  CANARY_INTERVAL_MS: intField({ min: 100, max: 3_600_000, default: 5000 }),
  CANARY_DEADLINE_MS: intField({ min: 100, max: 600_000, default: 30_000 }),
  SLI_WINDOW_MS: intField({ min: 1000, max: 86_400_000, default: 300_000 }),
  CHECK_INTERVAL_MS: intField({ min: 100, max: 600_000, default: 5000 }),
  CHECK_TIMEOUT_MS: intField({ min: 50, max: 60_000, default: 2000 }),
  RUNBOOK_BASE_URL: urlField(['http:', 'https:']).default(defaultRunbookBaseUrl),
  INCIDENT_HISTORY: intField({ min: 1, max: 1000, default: 50 }),
  KUBERNETES_DEPLOYMENT_SELECTOR: z.string().min(1).default(defaultDeploymentSelector),
  // Set by the kubelet in every pod: its presence means "in a cluster".
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  ...controlEnvShape,
  ...tlsEnvShape,
  // Downward API; else the service-account namespace file is read at start.
  POD_NAMESPACE: z.string().min(1).optional(),
  CONTROL_POLL_INTERVAL_MS: intField({ min: 100, max: 600_000, default: 1000 }),
};

export interface CanarySettings {
  enabled: boolean;
  apiToken: string;
  /** The canary subscribes to `user.<userId>` and addresses its events there. */
  userId: string;
  intervalMs: number;
  /** A canary not received within this long counts as lost. */
  deadlineMs: number;
  /** The delivery ratio and latency SLIs cover canaries sent in this window (SLI_WINDOW_MS). */
  windowMs: number;
}

export interface HealthConfig {
  appEnv: AppEnv;
  logLevel: LogLevel;
  host: string;
  port: number;
  databaseUrl: string;
  /** Redlock nodes to PING; null: Redis is not part of this installation. */
  redisUrls: readonly string[] | null;
  /** Private CA for rediss:// nodes (REDIS_CA_FILE); null: node's public roots. */
  redisCaFile: string | null;
  pubnub: {
    /** Scheme, host and port, e.g. `http://127.0.0.1:8090`. */
    originUrl: string;
    /** `host[:port]`, the SDK's origin. */
    origin: string;
    ssl: boolean;
    subscribeKey: string;
    userId: string;
  };
  /**
   * PUBNUB_SECRET_KEY (and PUBNUB_PUBLISH_KEY, part of the signature): the canary subscriber
   * signs its requests; null: Access Manager off.
   */
  pubnubSigning: { publishKey: string; secretKey: string } | null;
  broadcasterUrls: readonly string[];
  /** Separate relay Deployments (their /readyz and circuit state); empty when the broadcaster relays. */
  relayUrls: readonly string[];
  timerMonitorUrls: readonly string[];
  canary: CanarySettings;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  /** SLIs (canary delivery and latency, timer lag) cover this recent window. */
  sliWindowMs: number;
  incidentHistory: number;
  /** Ends with `/`; `<base>ComponentDown.md` is a runbook page. */
  runbookBaseUrl: string;
  kubernetes: {
    inCluster: boolean;
    /** From POD_NAMESPACE; null: read from the service-account namespace file. */
    namespace: string | null;
    labelSelector: string;
  };
  /** The RealtimeControl (or CONTROL_FILE) whose acknowledgements this service collects. */
  control: ControlSettings;
  /** How often every replica's /control is read (CONTROL_POLL_INTERVAL_MS). */
  controlPollIntervalMs: number;
}

const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, '');

/** Reads and validates the environment; every problem is reported at once. Pure. */
export function loadHealthConfig(env: Env): Readonly<HealthConfig> {
  const c = loadConfig(env, shape, {
    requiredWhenDeployed: [
      'DATABASE_URL',
      'PUBNUB_ORIGIN',
      'PUBNUB_SUBSCRIBE_KEY',
      'BROADCASTER_URLS',
      'TIMER_MONITOR_URLS',
      ['CANARY_API_TOKEN', 'BROADCAST_API_TOKENS'],
    ],
  });
  const development = c.APP_ENV === 'development';
  const origin = new URL(c.PUBNUB_ORIGIN);
  const urls = (list: readonly string[] | undefined, fallback: string | null): readonly string[] =>
    Object.freeze((list ?? (development && fallback !== null ? [fallback] : [])).map(withoutTrailingSlash));
  return Object.freeze({
    appEnv: c.APP_ENV,
    logLevel: c.LOG_LEVEL,
    host: c.HOST ?? (development ? '127.0.0.1' : '0.0.0.0'),
    port: c.PORT,
    databaseUrl: withDatabaseCaFile(c.DATABASE_URL ?? developmentDatabaseUrl, c.DATABASE_CA_FILE),
    redisUrls: c.REDIS_URL ? Object.freeze([...c.REDIS_URL]) : null,
    redisCaFile: redisCaFileOf(c.REDIS_URL, c.REDIS_CA_FILE),
    pubnub: Object.freeze({
      originUrl: origin.origin,
      origin: origin.host,
      ssl: origin.protocol === 'https:',
      subscribeKey: c.PUBNUB_SUBSCRIBE_KEY,
      userId: c.PUBNUB_USER_ID,
    }),
    pubnubSigning: c.PUBNUB_SECRET_KEY
      ? Object.freeze({ publishKey: c.PUBNUB_PUBLISH_KEY, secretKey: c.PUBNUB_SECRET_KEY })
      : null,
    broadcasterUrls: urls(c.BROADCASTER_URLS, developmentBroadcasterUrl),
    relayUrls: urls(c.RELAY_URLS, null),
    timerMonitorUrls: urls(c.TIMER_MONITOR_URLS, developmentTimerMonitorUrl),
    canary: Object.freeze({
      enabled: c.CANARY_ENABLED === 'true',
      // The chart hands the health pod the broadcaster's token list; the first one serves the canary.
      apiToken: c.CANARY_API_TOKEN ?? c.BROADCAST_API_TOKENS?.[0] ?? developmentCanaryToken,
      userId: c.CANARY_USER_ID,
      intervalMs: c.CANARY_INTERVAL_MS,
      deadlineMs: c.CANARY_DEADLINE_MS,
      windowMs: c.SLI_WINDOW_MS,
    }),
    checkIntervalMs: c.CHECK_INTERVAL_MS,
    checkTimeoutMs: c.CHECK_TIMEOUT_MS,
    sliWindowMs: c.SLI_WINDOW_MS,
    incidentHistory: c.INCIDENT_HISTORY,
    runbookBaseUrl: c.RUNBOOK_BASE_URL.endsWith('/') ? c.RUNBOOK_BASE_URL : `${c.RUNBOOK_BASE_URL}/`,
    kubernetes: Object.freeze({
      inCluster: c.KUBERNETES_SERVICE_HOST !== undefined,
      namespace: c.POD_NAMESPACE ?? null,
      labelSelector: c.KUBERNETES_DEPLOYMENT_SELECTOR,
    }),
    control: controlSettingsOf(c),
    controlPollIntervalMs: c.CONTROL_POLL_INTERVAL_MS,
  });
}
