import { systemClock, type Clock } from '@sketchyaf/core';
import type { OutboxRow } from '../db/outboxQueries.ts';
import { buildEnvelope, type Envelope } from '../events/envelope.ts';
import { BrokenCircuitError, type PublishCircuit } from './publishCircuit.ts';
import type { Publisher } from './pubnubPublisher.ts';
import { ConfigurationPublishError, PoisonPublishError, RateLimitedPublishError } from './publishErrors.ts';

export type AttemptOutcome =
  | { kind: 'published'; timetoken: string; slow: boolean; ms: number }
  /** The circuit was open: nothing was sent. */
  | { kind: 'rejected'; ms: number }
  | { kind: 'poison'; error: Error; ms: number }
  | { kind: 'configuration'; error: Error; ms: number }
  | { kind: 'rate_limited'; error: Error; retryAfterMs: number; ms: number }
  | { kind: 'transient'; error: Error; ms: number };

/** The v2.0.0 envelope of an outbox row. */
export function envelopeOf(row: OutboxRow): Envelope {
  return buildEnvelope({
    eventId: row.event_id,
    type: row.type,
    gameId: row.game_id,
    sequence: row.sequence === null ? null : Number(row.sequence),
    channel: row.channel,
    occurredAt: row.occurred_at,
    requestId: row.request_id,
    source: row.source,
    data: row.payload,
  });
}

/**
 * One publish through the circuit breaker, reduced to what the relay must do
 * next. Never throws. A publish slower than `slowCallMs` is reported as slow
 * (an observation for the metrics; it never counts against the breaker), not
 * counting time this process spent frozen meanwhile (`stalls`, see StallMeter):
 * that time is not PubNub's.
 */
export async function attemptPublish(
  circuit: PublishCircuit,
  publisher: Publisher,
  row: OutboxRow,
  slowCallMs: number,
  stalls: { totalMs(): number },
  clock: Pick<Clock, 'monotonic'> = systemClock,
): Promise<AttemptOutcome> {
  const envelope = envelopeOf(row);
  // The payload's size as text, plus the envelope around it: enough to choose GET or POST.
  const approxBytes = row.payload_bytes + 400;
  const started = clock.monotonic();
  const stalledBefore = stalls.totalMs();
  const elapsed = (): number => clock.monotonic() - started;
  try {
    const timetoken = await circuit.execute(() => publisher.publish(row.channel, envelope, approxBytes));
    const ms = elapsed();
    const slow = ms - (stalls.totalMs() - stalledBefore) > slowCallMs;
    return { kind: 'published', timetoken, slow, ms };
  } catch (err) {
    const ms = elapsed();
    if (err instanceof BrokenCircuitError) return { kind: 'rejected', ms };
    if (err instanceof PoisonPublishError) return { kind: 'poison', error: err, ms };
    if (err instanceof ConfigurationPublishError) return { kind: 'configuration', error: err, ms };
    if (err instanceof RateLimitedPublishError)
      return { kind: 'rate_limited', error: err, retryAfterMs: err.retryAfterMs, ms };
    return { kind: 'transient', error: err instanceof Error ? err : new Error(String(err)), ms };
  }
}
