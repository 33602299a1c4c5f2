import {
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  createPool,
  pingDatabase,
  startHttpServer,
  startWithReleasers,
  systemClock,
  type Clock,
  type Logger,
  type ServiceHandle,
} from '@sketchyaf/core';
import type { Registry } from 'prom-client';
import type { TimerMonitorConfig } from './config.ts';
import { DatabaseClock } from './databaseClock.ts';
import { deadlineChannel, parseDeadlineNotification } from './deadlineNotification.ts';
import { databaseNow } from './gameQueries.ts';
import { createTimerMetrics } from './metrics.ts';
import { NotificationListener } from './notificationListener.ts';
import { TimerMonitor } from './timerMonitor.ts';

export interface TimerMonitorService extends ServiceHandle {
  readonly monitor: TimerMonitor;
  readonly url: string;
  readonly registry: Registry;
}

export interface TimerMonitorOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Owned shards; null (the default) owns every shard. */
  ownedShards?: ReadonlySet<number> | null;
}

/** Starts the timer monitor and its admin HTTP server (/livez, /readyz, /metrics). */
export async function startTimerMonitor(
  config: TimerMonitorConfig,
  overrides: TimerMonitorOverrides = {},
): Promise<TimerMonitorService> {
  const logger =
    overrides.logger ??
    createLogger({
      service: 'timer-monitor',
      level: config.logLevel,
      format: config.appEnv === 'development' ? 'pretty' : 'json',
    });
  const clock = overrides.clock ?? systemClock;
  const registry = overrides.registry ?? createMetricsRegistry({ service: 'timer-monitor' });
  const metrics = createTimerMetrics(registry);

  const { value, releasers } = await startWithReleasers(async (releasers) => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'timer-monitor',
      max: config.poolMax,
      statementTimeoutMs: config.statementTimeoutMs,
      // Tells the games trigger who made the change (it skips NOTIFY for our own transitions).
      sessionSettings: { 'sketchyaf.source': 'timer-monitor' },
      logger,
    });
    releasers.add('database pool', () => pool.end());

    const databaseClock = new DatabaseClock(clock, () => databaseNow(pool));
    await databaseClock.calibrate();
    const monitor = new TimerMonitor({
      pool,
      clock,
      databaseClock,
      logger,
      metrics,
      settings: {
        shardCount: config.shardCount,
        batchSize: config.batchSize,
        maxInFlight: config.maxInFlight,
        sweepIntervalMs: config.sweepIntervalMs,
        fireMarginMs: config.fireMarginMs,
      },
    });

    const listener = new NotificationListener({
      connectionString: config.databaseUrl,
      channel: deadlineChannel,
      logger,
      onNotification: (payload) => {
        monitor.handleNotification(parseDeadlineNotification(payload));
      },
      onConnected: () => {
        metrics.listenerConnected.set(1);
        // Anything that changed while we were not listening is picked up here.
        void monitor.reload().catch((err: unknown) => {
          logger.warn('reload after (re)connect failed', { err: String(err) });
        });
      },
      onDisconnected: () => metrics.listenerConnected.set(0),
    });
    listener.start();
    releasers.add('notification listener', () => listener.stop());

    await monitor.start(overrides.ownedShards ?? null);
    releasers.add('timer monitor', () => monitor.stop());

    const app = createHttpApp({
      logger,
      registry,
      readiness: [
        { name: 'database', check: () => pingDatabase(pool), timeoutMs: 1500 },
        {
          name: 'notifications',
          check: () =>
            listener.connected
              ? Promise.resolve(undefined)
              : Promise.reject(new Error('LISTEN connection is down')),
        },
      ],
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port });
    releasers.add('http server', () => http.stop());
    logger.info('timer monitor started', { url: http.url, trackedGames: monitor.trackedGames });
    return { monitor, url: http.url };
  });

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  return {
    monitor: value.monitor,
    url: value.url,
    registry,
    done,
    stop() {
      stopping ??= releasers.releaseAll().finally(() => {
        logger.info('timer monitor stopped');
        resolveDone();
      });
      return stopping;
    },
  };
}
