import type { BroadcasterConfig } from '../config.ts';
import type { OutboxWriterOptions } from './outboxWriter.ts';

/** The outbox writer's group commit and admission limits, from INGEST_*. */
export function writerSettingsOf(
  ingest: BroadcasterConfig['ingest'],
): Required<
  Pick<
    OutboxWriterOptions,
    'maxWaitMs' | 'maxEvents' | 'maxInFlight' | 'busyWaitMs' | 'queueTimeoutMs' | 'queueLimits'
  >
> {
  return {
    maxWaitMs: ingest.commitWaitMs,
    maxEvents: ingest.commitMaxEvents,
    maxInFlight: ingest.commitMaxInFlight,
    busyWaitMs: ingest.busyWaitMs,
    queueTimeoutMs: ingest.commitQueueTimeoutMs,
    queueLimits: {
      maxEvents: ingest.queueMaxEvents,
      maxRequests: ingest.queueMaxRequests,
      maxWaitMs: ingest.queueMaxWaitMs,
      maxLoopLagMs: ingest.maxLoopLagMs,
    },
  };
}
