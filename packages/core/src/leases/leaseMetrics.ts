import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '../metrics/registry.ts';
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
  };
  // Every series exists from the start, so rate() and absent() alerts behave.
  for (const reason of reasons) {
    metrics.acquisitionFailures.inc({ reason }, 0);
    metrics.losses.inc({ reason }, 0);
    metrics.extensionFailures.inc({ reason }, 0);
  }
  return metrics;
}
