import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '@sketchyaf/core';
import type { LeaseFailureReason } from './leaseErrors.ts';

export interface LeaseMetrics {
  shardsOwned: Gauge;
  shardCount: Gauge;
  members: Gauge;
  redisNodesUp: Gauge;
  acquisitions: Counter;
  acquisitionFailures: Counter<'reason'>;
  losses: Counter<'reason'>;
  extensionFailures: Counter<'reason'>;
  mode: Gauge<'mode'>;
  shardsOwnedByMode: Gauge<'mode'>;
  postgresErrors: Counter;
}

const reasons: readonly LeaseFailureReason[] = ['held_elsewhere', 'no_quorum', 'redis_down', 'expired'];

/** One set per registry: a service runs one ShardLeases (its `service` label tells them apart). */
export function createLeaseMetrics(registry: Registry): LeaseMetrics {
  const registers = [registry];
  const metrics: LeaseMetrics = {
    shardsOwned: new Gauge({
      name: `${metricPrefix}shards_owned`,
      help: 'Shards whose lease this replica holds (valid by its own clock).',
      registers,
    }),
    shardCount: new Gauge({
      name: `${metricPrefix}shard_count`,
      help: 'SHARD_COUNT: shards the work is split into.',
      registers,
    }),
    members: new Gauge({
      name: `${metricPrefix}lease_members`,
      help: 'Live replicas sharing the shards, as seen by the last heartbeat (this one included).',
      registers,
    }),
    redisNodesUp: new Gauge({
      name: `${metricPrefix}lease_redis_nodes_up`,
      help: 'Redis nodes that answered the last heartbeat.',
      registers,
    }),
    acquisitions: new Counter({
      name: `${metricPrefix}lease_acquisitions_total`,
      help: 'Shard leases acquired.',
      registers,
    }),
    acquisitionFailures: new Counter({
      name: `${metricPrefix}lease_acquisition_failures_total`,
      help: 'Failed attempts to acquire a targeted shard lease, by reason (held_elsewhere is normal while rebalancing).',
      labelNames: ['reason'],
      registers,
    }),
    losses: new Counter({
      name: `${metricPrefix}lease_losses_total`,
      help: 'Shard leases lost before being released, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    extensionFailures: new Counter({
      name: `${metricPrefix}lease_extension_failures_total`,
      help: 'Failed shard lease extensions, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    mode: new Gauge({
      name: `${metricPrefix}lease_mode`,
      help: 'How shards are coordinated: 1 for the current mode, redis (Redlock) or postgres (the fallback while the Redis quorum is unreachable).',
      labelNames: ['mode'],
      registers,
    }),
    shardsOwnedByMode: new Gauge({
      name: `${metricPrefix}shards_owned_by_mode`,
      help: 'Shards this replica holds, by what backs them: redis (a valid Redlock lease too) or postgres (the lease row alone).',
      labelNames: ['mode'],
      registers,
    }),
    postgresErrors: new Counter({
      name: `${metricPrefix}lease_postgres_errors_total`,
      help: 'Lease statements (renewal, take) that PostgreSQL did not answer in time or refused.',
      registers,
    }),
  };
  // Every series exists from the start, so rate() and absent() alerts behave.
  for (const reason of reasons) {
    metrics.acquisitionFailures.inc({ reason }, 0);
    metrics.losses.inc({ reason }, 0);
    metrics.extensionFailures.inc({ reason }, 0);
  }
  for (const mode of ['redis', 'postgres']) {
    metrics.mode.set({ mode }, 0);
    metrics.shardsOwnedByMode.set({ mode }, 0);
  }
  return metrics;
}
