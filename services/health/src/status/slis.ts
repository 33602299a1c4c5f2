import type { CanaryWindowStats } from '../canary/canaryTracker.ts';
import type { Level, OutboxReport, SliReport } from './types.ts';

// Pure: SLIs against the original SLOs (docs/metrics.md, "SLOs").

export const objectives = {
  /** PubNub delivery > 99.5 %. */
  canaryDelivery: 0.995,
  /** Below this the delivery SLO alert warns (15 min). */
  canaryDeliveryWarning: 0.95,
  /** Broadcast latency p95 < 2 s. */
  canaryLatencySeconds: 2,
  canaryLatencyCriticalSeconds: 10,
  /** Timer execution p95 < 5 s (shown as p99, stricter). */
  timerLagSeconds: 5,
  timerLagCriticalSeconds: 30,
  /** Events should leave the outbox within seconds; the critical alert fires at 120 s. */
  outboxOldestSeconds: 30,
  outboxOldestCriticalSeconds: 120,
} as const;

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 100) return `${(Math.round(seconds * 100) / 100).toString()} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent === 100 ? '100' : percent.toFixed(percent >= 99 ? 2 : 1)} %`;
}

function band(value: number, objective: number, critical: number): Level {
  if (value < objective) return 'up';
  return value < critical ? 'degraded' : 'down';
}

function windowLabel(windowMs: number): string {
  return windowMs % 60_000 === 0 ? `${windowMs / 60_000} min` : `${Math.round(windowMs / 1000)} s`;
}

export interface SliInputs {
  canaryEnabled: boolean;
  canary: CanaryWindowStats;
  canaryWindowMs: number;
  /** p99 timer lag over the recent window; null without transitions. */
  timerLagP99Seconds: number | null;
  timerLagObservations: number;
  timerLagWindowMs: number;
  outbox: OutboxReport | null;
}

export function computeSlis(input: SliInputs): SliReport[] {
  const { canary } = input;
  const canaryWindow = windowLabel(input.canaryWindowMs);
  const noCanary = input.canaryEnabled ? 'no canary settled yet' : 'canary disabled';
  const delivery: SliReport = {
    key: 'canary_delivery',
    label: 'Canary delivery (ingest → PubNub subscriber)',
    value: canary.deliveryRatio,
    display: canary.deliveryRatio === null ? noCanary : formatPercent(canary.deliveryRatio),
    objective: `≥ ${formatPercent(objectives.canaryDelivery)}`,
    level:
      canary.deliveryRatio === null
        ? 'off'
        : canary.deliveryRatio >= objectives.canaryDelivery
          ? 'up'
          : canary.deliveryRatio >= objectives.canaryDeliveryWarning
            ? 'degraded'
            : 'down',
    basis: `last ${canaryWindow}: ${canary.receivedInTime} of ${canary.settled} in time, ${canary.inFlight} in flight`,
  };
  const latencySeconds = canary.latencyP95Ms === null ? null : canary.latencyP95Ms / 1000;
  const latency: SliReport = {
    key: 'canary_latency_p95',
    label: 'Canary latency p95 (end to end)',
    value: latencySeconds,
    display: latencySeconds === null ? noCanary : formatSeconds(latencySeconds),
    objective: `< ${formatSeconds(objectives.canaryLatencySeconds)}`,
    level:
      latencySeconds === null
        ? 'off'
        : band(latencySeconds, objectives.canaryLatencySeconds, objectives.canaryLatencyCriticalSeconds),
    basis: `last ${canaryWindow}`,
  };
  const lag = input.timerLagP99Seconds;
  const timer: SliReport = {
    key: 'timer_lag_p99',
    label: 'Timer lag p99 (deadline → transition committed)',
    value: lag,
    display: lag === null ? 'no timed transitions' : formatSeconds(lag),
    objective: `< ${formatSeconds(objectives.timerLagSeconds)}`,
    level: lag === null ? 'off' : band(lag, objectives.timerLagSeconds, objectives.timerLagCriticalSeconds),
    basis: `last ${windowLabel(input.timerLagWindowMs)}, ${input.timerLagObservations} transitions (timer monitor /metrics)`,
  };
  const oldest = input.outbox?.oldestAgeSeconds ?? null;
  const outbox: SliReport = {
    key: 'outbox_oldest_age',
    label: 'Oldest unpublished outbox event',
    value: oldest,
    display:
      oldest === null
        ? 'unknown (database unreachable)'
        : oldest === 0
          ? 'none waiting'
          : formatSeconds(oldest),
    objective: `< ${formatSeconds(objectives.outboxOldestSeconds)}`,
    level:
      oldest === null
        ? 'down'
        : band(oldest, objectives.outboxOldestSeconds, objectives.outboxOldestCriticalSeconds),
    basis:
      input.outbox === null
        ? 'SQL on realtime_outbox failed'
        : `${input.outbox.backlog}${input.outbox.backlogCapped ? '+' : ''} waiting, ${input.outbox.deadLetters} dead-lettered`,
  };
  return [delivery, latency, timer, outbox];
}
