import { NotificationListener, type Clock, type Logger } from '@sketchyaf/core';
import type { BroadcasterConfig } from '../config.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import { outboxNotificationHandler } from './outboxNotifications.ts';

export const outboxChannel = 'realtime_outbox';

/**
 * The relay's LISTEN connection: every NOTIFY wakes it; a (re)connect ends
 * its claim back-off at once (the database answers again) and also wakes it,
 * which picks up whatever was committed while nobody listened.
 */
export function createOutboxListener(options: {
  config: Pick<BroadcasterConfig, 'databaseUrl' | 'database'>;
  relay: { wake(): void; databaseBack(): void };
  metrics: BroadcasterMetrics;
  logger: Logger;
  clock: Clock;
}): NotificationListener {
  const { config, relay, metrics, logger, clock } = options;
  return new NotificationListener({
    connectionString: config.databaseUrl,
    channel: outboxChannel,
    applicationName: 'broadcaster-listener',
    logger,
    clock,
    heartbeatMs: config.database.listenHeartbeatMs,
    connectTimeoutMs: config.database.connectTimeoutMs,
    keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
    onNotification: outboxNotificationHandler({ wake: () => relay.wake(), metrics, logger, clock }),
    onConnected: () => {
      metrics.listenerConnected.set(1);
      relay.databaseBack();
    },
    onDisconnected: () => metrics.listenerConnected.set(0),
  });
}
