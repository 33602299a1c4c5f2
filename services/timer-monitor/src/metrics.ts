import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets, metricPrefix } from '@sketchyaf/core';

export interface TimerMetrics {
  lag: Histogram;
  transitions: Counter<'from' | 'to'>;
  phaseDuration: Histogram<'phase'>;
  batchSize: Histogram;
  statementDuration: Histogram;
  overdueGames: Gauge;
  sweeps: Counter<'kind'>;
  trackedGames: Gauge;
  casMisses: Counter<'reason'>;
  batchFailures: Counter;
  batchSplits: Counter;
  quarantines: Counter<'kind'>;
  quarantinedGames: Gauge;
  notifications: Counter<'kind'>;
  reloads: Counter;
  listenerConnected: Gauge;
}

export function createTimerMetrics(registry: Registry): TimerMetrics {
  const p = `${metricPrefix}timer_`;
  const registers = [registry];
  return {
    lag: new Histogram({
      name: `${p}lag_seconds`,
      help: 'Time from a phase deadline to the commit of its transition (database clock).',
      buckets: latencyBuckets,
      registers,
    }),
    transitions: new Counter({
      name: `${p}transitions_total`,
      help: 'Timed transitions committed, by from and to status.',
      labelNames: ['from', 'to'],
      registers,
    }),
    phaseDuration: new Histogram({
      name: `${p}phase_duration_seconds`,
      help: 'Time a game spent in a timed phase it left by its timer: phase start to the next phase start.',
      labelNames: ['phase'],
      buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
      registers,
    }),
    batchSize: new Histogram({
      name: `${p}batch_size`,
      help: 'Games per compare-and-set statement.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000],
      registers,
    }),
    statementDuration: new Histogram({
      name: `${p}statement_duration_seconds`,
      help: 'Duration of one batched transition statement (failed ones included).',
      buckets: latencyBuckets,
      registers,
    }),
    overdueGames: new Gauge({
      name: `${p}overdue_games`,
      help: 'Games in owned shards more than 1 s past their deadline, as of the last sweep, quarantined games aside.',
      registers,
    }),
    sweeps: new Counter({
      name: `${p}sweeps_total`,
      help: 'Safety sweeps, by kind: full (overdue games read and queued) or count (only counted, while a backlog is worked).',
      labelNames: ['kind'],
      registers,
    }),
    trackedGames: new Gauge({
      name: `${p}tracked_games`,
      help: 'Games with a running timer held in memory by this replica.',
      registers,
    }),
    casMisses: new Counter({
      name: `${p}cas_misses_total`,
      help: 'Games of a batch that did not advance: stale (changed meanwhile), not_due (database time disagreed), locked (row held by another transaction, retried soon) or lease_lost (dropped before the statement).',
      labelNames: ['reason'],
      registers,
    }),
    batchFailures: new Counter({
      name: `${p}batch_failures_total`,
      help: 'Batched statements that failed (split, quarantined, or retried after a back-off).',
      registers,
    }),
    batchSplits: new Counter({
      name: `${p}batch_splits_total`,
      help: 'Failed batches split in halves to isolate the game whose row made the statement fail.',
      registers,
    }),
    quarantines: new Counter({
      name: `${p}quarantines_total`,
      help: 'Tries of a game whose transition failed on its own (quarantined, or failed again at a retry), by error kind.',
      labelNames: ['kind'],
      registers,
    }),
    quarantinedGames: new Gauge({
      name: `${p}quarantined_games`,
      help: 'Games whose transition fails on their own row, held apart and retried every 30 s to 10 min.',
      registers,
    }),
    notifications: new Counter({
      name: `${p}notifications_total`,
      help: 'Deadline notifications received, by kind (games, reload, malformed: ignored).',
      labelNames: ['kind'],
      registers,
    }),
    reloads: new Counter({
      name: `${p}reloads_total`,
      help: 'Full reloads of owned deadlines (start, reconnect, bulk change).',
      registers,
    }),
    listenerConnected: new Gauge({
      name: `${p}listener_connected`,
      help: '1 while the LISTEN connection for deadline notifications is up.',
      registers,
    }),
  };
}
