import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets, metricPrefix } from '@sketchyaf/core';
import { componentNames } from './status/types.ts';

export interface HealthMetrics {
  canarySent: Counter;
  canaryReceived: Counter;
  canaryLatency: Histogram;
  canaryLost: Counter;
  canaryLate: Counter;
  canaryPostFailures: Counter<'reason'>;
  canaryInFlight: Gauge;
  componentUp: Gauge<'component'>;
  overallStatus: Gauge;
  checkDuration: Histogram;
}

export function createHealthMetrics(registry: Registry): HealthMetrics {
  const p = metricPrefix;
  const registers = [registry];
  const canaryPostFailures = new Counter({
    name: `${p}canary_post_failures_total`,
    help: 'Canary events the ingest API did not accept (each also counts as lost), by reason: rejected (4xx), server_error (5xx), unreachable.',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of ['rejected', 'server_error', 'unreachable']) canaryPostFailures.inc({ reason }, 0);
  return {
    canarySent: new Counter({
      name: `${p}canary_sent_total`,
      help: 'Canary events posted to the ingest API.',
      registers,
    }),
    canaryReceived: new Counter({
      name: `${p}canary_received_total`,
      help: "Canary events received by the canary's PubNub subscriber within the deadline (each once).",
      registers,
    }),
    canaryLatency: new Histogram({
      name: `${p}canary_latency_seconds`,
      help: 'End-to-end time from the ingest POST to the subscriber receiving the canary (late ones included).',
      buckets: latencyBuckets,
      registers,
    }),
    canaryLost: new Counter({
      name: `${p}canary_lost_total`,
      help: 'Canary events not received within the deadline, or not accepted by the ingest API.',
      registers,
    }),
    canaryLate: new Counter({
      name: `${p}canary_late_total`,
      help: 'Canary events received after their deadline (already counted as lost).',
      registers,
    }),
    canaryPostFailures,
    canaryInFlight: new Gauge({
      name: `${p}canary_in_flight`,
      help: 'Canary events sent and neither received nor past their deadline.',
      registers,
    }),
    componentUp: new Gauge({
      name: `${p}component_up`,
      help: "1 while the dependency answers the health service's check, else 0; redis only when REDIS_URL is set.",
      labelNames: ['component'],
      registers,
    }),
    overallStatus: new Gauge({
      name: `${p}health_status`,
      help: 'Overall status from the last round of checks: 0 ok, 1 degraded, 2 down.',
      registers,
    }),
    checkDuration: new Histogram({
      name: `${p}health_check_duration_seconds`,
      help: 'Duration of one round of health checks (all dependencies, in parallel).',
      buckets: latencyBuckets,
      registers,
    }),
  };
}

/** Sets every component_up series from the start (0 until the first check says otherwise). */
export function initComponentUp(metrics: HealthMetrics, redisConfigured: boolean): void {
  for (const component of componentNames) {
    if (component === 'redis' && !redisConfigured) continue;
    metrics.componentUp.set({ component }, 0);
  }
}
