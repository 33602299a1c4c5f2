import { LogThrottle, type Clock, type Logger } from '@sketchyaf/core';
import type { BroadcasterMetrics } from '../metrics.ts';

/** The outbox trigger's NOTIFY carries nothing; any payload was sent by someone else. */
export function isOutboxWake(payload: string | undefined): boolean {
  return payload === undefined || payload === '';
}

/**
 * Handles `realtime_outbox` notifications: an empty one wakes the relay
 * (wakes coalesce into one claim at a time); anything else is ignored,
 * counted and logged at most every 10 s. Any database role can NOTIFY the
 * channel, and the relay polls anyway, so ignoring loses nothing.
 */
export function outboxNotificationHandler(deps: {
  wake: () => void;
  metrics: BroadcasterMetrics;
  logger: Logger;
  clock: Clock;
}): (payload: string | undefined) => void {
  const throttle = new LogThrottle(deps.clock, 10_000);
  return (payload) => {
    if (isOutboxWake(payload)) {
      deps.metrics.outboxNotifications.inc({ kind: 'wake' });
      deps.wake();
      return;
    }
    deps.metrics.outboxNotifications.inc({ kind: 'malformed' });
    const suppressed = throttle.take();
    if (suppressed !== null)
      deps.logger.warn('ignored a malformed outbox notification', {
        payloadBytes: payload?.length ?? 0,
        suppressedSinceLast: suppressed,
      });
  };
}
