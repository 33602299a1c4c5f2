import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets, metricPrefix } from '@sketchyaf/core';

export interface BroadcasterMetrics {
  ingestAccepted: Counter<'type' | 'client'>;
  ingestRejected: Counter<'reason' | 'client'>;
  ingestRateLimited: Counter<'client'>;
  ingestCommitEvents: Histogram;
  ingestCommitDuration: Histogram<'result'>;
  ingestCommitRetries: Counter;
  ingestBusyRetries: Counter;
  ingestIdempotentReplays: Counter;
  ingestQueueEvents: Gauge;
  publishDuration: Histogram<'result'>;
  publishAttempts: Counter<'result'>;
  publishLag: Histogram;
  outboxBacklog: Gauge;
  outboxOldestAge: Gauge;
  circuitState: Gauge;
  pubnubKeysRejected: Gauge;
  deadLetters: Gauge;
  deadLettered: Counter;
  relayBuffered: Gauge;
  relayInFlight: Gauge;
  outboxPruned: Counter;
  transitionsPruned: Counter;
  listenerConnected: Gauge;
  outboxNotifications: Counter<'kind'>;
}

export function createBroadcasterMetrics(registry: Registry): BroadcasterMetrics {
  const p = metricPrefix;
  const registers = [registry];
  return {
    ingestAccepted: new Counter({
      name: `${p}ingest_events_accepted_total`,
      help: 'Events written to the outbox by the ingest API, by type and client.',
      labelNames: ['type', 'client'],
      registers,
    }),
    ingestRejected: new Counter({
      name: `${p}ingest_events_rejected_total`,
      help: 'Events refused by the ingest API (a whole batch counts each of its events), by reason and client (unauthenticated before the token is known).',
      labelNames: ['reason', 'client'],
      registers,
    }),
    ingestRateLimited: new Counter({
      name: `${p}ingest_rate_limited_requests_total`,
      help: "Ingest requests refused with 429 because their client's token bucket lacked their events, by client.",
      labelNames: ['client'],
      registers,
    }),
    ingestCommitEvents: new Histogram({
      name: `${p}ingest_commit_events`,
      help: 'Events per group-commit statement.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    ingestCommitDuration: new Histogram({
      name: `${p}ingest_commit_duration_seconds`,
      help: 'Duration of one group-commit statement, by result.',
      labelNames: ['result'],
      buckets: latencyBuckets,
      registers,
    }),
    ingestCommitRetries: new Counter({
      name: `${p}ingest_commit_retries_total`,
      help: 'Group-commit statements run again after a deadlock or serialization failure.',
      registers,
    }),
    ingestBusyRetries: new Counter({
      name: `${p}ingest_busy_retries_total`,
      help: 'Requests sent to a later group because a game they name was locked by another transaction.',
      registers,
    }),
    ingestIdempotentReplays: new Counter({
      name: `${p}ingest_idempotent_replays_total`,
      help: 'Requests answered from stored idempotency-key answers (a retry), in whole or for some batch items.',
      registers,
    }),
    ingestQueueEvents: new Gauge({
      name: `${p}ingest_queue_events`,
      help: 'Events admitted to the write queue and not yet answered (bounded by INGEST_QUEUE_MAX_EVENTS).',
      registers,
    }),
    publishDuration: new Histogram({
      name: `${p}publish_duration_seconds`,
      help: 'Duration of one PubNub publish attempt, by result (success or failure).',
      labelNames: ['result'],
      buckets: latencyBuckets,
      registers,
    }),
    publishAttempts: new Counter({
      name: `${p}publish_attempts_total`,
      help: 'PubNub publish attempts by outcome: published, slow (published, slower than RELAY_SLOW_CALL_MS; an observation, not a failure), transient, rate_limited, configuration (keys or keyset refused; the event waits), poison (dead-lettered), rejected (circuit open).',
      labelNames: ['result'],
      registers,
    }),
    publishLag: new Histogram({
      name: `${p}publish_lag_seconds`,
      help: 'Time from the outbox commit of an event to PubNub accepting it.',
      buckets: latencyBuckets,
      registers,
    }),
    outboxBacklog: new Gauge({
      name: `${p}outbox_backlog`,
      help: 'Unpublished, not dead-lettered outbox events in owned shards.',
      registers,
    }),
    outboxOldestAge: new Gauge({
      name: `${p}outbox_oldest_unpublished_age_seconds`,
      help: 'Age of the oldest unpublished, not dead-lettered event in owned shards (0 when none).',
      registers,
    }),
    circuitState: new Gauge({
      name: `${p}circuit_state`,
      help: 'PubNub circuit breaker: 0 closed, 1 half-open, 2 open.',
      registers,
    }),
    pubnubKeysRejected: new Gauge({
      name: `${p}pubnub_keys_rejected`,
      help: "1 while PubNub refuses this replica's publishes for its keys or keyset (401, 403, 400 invalid key): the last answered publish said so; 0 once one is accepted.",
      registers,
    }),
    deadLetters: new Gauge({
      name: `${p}dead_letters`,
      help: 'Dead-lettered outbox events waiting for an operator (all shards).',
      registers,
    }),
    deadLettered: new Counter({
      name: `${p}dead_lettered_events_total`,
      help: 'Events moved to the dead-letter state because PubNub refused them for good.',
      registers,
    }),
    relayBuffered: new Gauge({
      name: `${p}relay_buffered_events`,
      help: 'Events claimed by this relay and held in memory (queued, in flight or awaiting their mark).',
      registers,
    }),
    relayInFlight: new Gauge({
      name: `${p}relay_in_flight_publishes`,
      help: 'PubNub publishes in flight.',
      registers,
    }),
    outboxPruned: new Counter({
      name: `${p}outbox_pruned_total`,
      help: 'Published outbox rows deleted after the retention period.',
      registers,
    }),
    transitionsPruned: new Counter({
      name: `${p}game_transitions_pruned_total`,
      help: 'game_transitions rows deleted after GAME_TRANSITIONS_RETENTION_DAYS.',
      registers,
    }),
    listenerConnected: new Gauge({
      name: `${p}relay_listener_connected`,
      help: '1 while the LISTEN connection for outbox notifications is up.',
      registers,
    }),
    outboxNotifications: new Counter({
      name: `${p}relay_notifications_total`,
      help: 'NOTIFY realtime_outbox received, by kind: wake (empty payload, as the trigger sends) or malformed (ignored).',
      labelNames: ['kind'],
      registers,
    }),
  };
}
