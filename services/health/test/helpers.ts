import { createSilentLogger } from '@sketchyaf/core';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '@sketchyaf/broadcaster';
import type { PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import {
  loadHealthConfig,
  startHealth,
  type HealthOverrides,
  type HealthReport,
  type HealthService,
} from '../src/index.ts';

export const apiToken = 'health-test-token-0123456789';

/** A broadcaster on an ephemeral port with a fast relay and breaker, accepting `apiToken`. */
export function startTestBroadcaster(
  databaseUrl: string,
  pubnub: PubnubLocalHandle,
  env: Record<string, string> = {},
): Promise<BroadcasterService> {
  const config = loadBroadcasterConfig({
    DATABASE_URL: databaseUrl,
    PUBNUB_ORIGIN: pubnub.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    BROADCAST_API_TOKENS: apiToken,
    RELAY_POLL_INTERVAL_MS: '200',
    RELAY_STATS_INTERVAL_MS: '200',
    RELAY_PUBLISH_TIMEOUT_MS: '1000',
    RELAY_BACKOFF_BASE_MS: '100',
    RELAY_BACKOFF_MAX_MS: '500',
    RELAY_BREAKER_HALF_OPEN_MS: '500',
    ...env,
  });
  return startBroadcaster(config, { logger: createSilentLogger('broadcaster') });
}

export function startTestTimerMonitor(databaseUrl: string): Promise<TimerMonitorService> {
  const config = loadTimerMonitorConfig({ DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent' });
  return startTimerMonitor(config, { logger: createSilentLogger('timer-monitor') });
}

/** The health service with short intervals, pointed at the given pieces. */
export function startTestHealth(
  env: Record<string, string>,
  overrides: HealthOverrides = {},
): Promise<HealthService> {
  const config = loadHealthConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    CANARY_API_TOKEN: apiToken,
    CANARY_INTERVAL_MS: '250',
    CANARY_DEADLINE_MS: '3000',
    SLI_WINDOW_MS: '10000',
    CHECK_INTERVAL_MS: '250',
    CHECK_TIMEOUT_MS: '1000',
    ...env,
  });
  return startHealth(config, { logger: createSilentLogger('health'), kubernetes: null, ...overrides });
}

export async function getHealth(url: string): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`${url}/api/health`);
  return { status: res.status, body: (await res.json()) as HealthReport };
}
