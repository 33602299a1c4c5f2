import { errorFields, NotificationListener, type Clock, type Logger } from '@sketchyaf/core';
import type { TimerMonitorConfig } from './config.ts';
import { deadlineChannel, parseDeadlineNotification } from './deadlineNotification.ts';
import type { TimerMetrics } from './metrics.ts';
import type { TimerMonitor } from './timerMonitor.ts';

/**
 * The monitor's LISTEN connection: each NOTIFY is a game's new deadline. A
 * (re)connect ends the monitor's back-off (the database answers again) and
 * reloads the deadlines, since anything that changed while nobody listened
 * came without a NOTIFY.
 */
export function createDeadlineListener(options: {
  config: Pick<TimerMonitorConfig, 'databaseUrl' | 'database'>;
  monitor: Pick<TimerMonitor, 'handleNotification' | 'databaseBack' | 'reload'>;
  metrics: TimerMetrics;
  logger: Logger;
  clock: Clock;
}): NotificationListener {
  const { config, monitor, metrics, logger, clock } = options;
  return new NotificationListener({
    connectionString: config.databaseUrl,
    channel: deadlineChannel,
    applicationName: 'timer-monitor-listener',
    logger,
    clock,
    heartbeatMs: config.database.listenHeartbeatMs,
    connectTimeoutMs: config.database.connectTimeoutMs,
    keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
    onNotification: (payload) => {
      monitor.handleNotification(parseDeadlineNotification(payload));
    },
    onConnected: () => {
      metrics.listenerConnected.set(1);
      monitor.databaseBack();
      void monitor.reload().catch((err: unknown) => {
        logger.warn('reload after (re)connect failed', errorFields(err));
      });
    },
    onDisconnected: () => metrics.listenerConnected.set(0),
  });
}
