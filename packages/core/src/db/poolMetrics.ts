import { Gauge, type Registry } from 'prom-client';
import type pg from 'pg';
import { metricPrefix } from '../metrics/registry.ts';

/** What a pool exposes to its gauges: pg.Pool's counters and its configured maximum. */
export type MeteredPool = Pick<pg.Pool, 'totalCount' | 'idleCount' | 'waitingCount' | 'ended'> & {
  options: { max?: number | undefined };
};

export interface PoolMetrics {
  /** Reports `pool` under the label `pool` until it ends; a second pool of the same name replaces it. */
  track(name: string, pool: MeteredPool): void;
}

const byRegistry = new WeakMap<Registry, PoolMetrics>();

/**
 * Connections of every database pool of a process, labelled `pool` (the registry adds `service`).
 * Read at scrape time: pg.Pool keeps the counts, so nothing runs between scrapes.
 */
export function createPoolMetrics(registry: Registry): PoolMetrics {
  const pools = new Map<string, MeteredPool>();
  const registers = [registry];
  // Each gauge's collect reads the same live pools; an ended pool leaves the scrape.
  const gauge = (suffix: string, help: string, read: (pool: MeteredPool) => number): void => {
    new Gauge({
      name: `${metricPrefix}db_pool_${suffix}`,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const [name, pool] of pools) {
          if (pool.ended) pools.delete(name);
          else this.set({ pool: name }, read(pool));
        }
      },
    });
  };
  gauge('connections', 'Connections the pool holds open, idle or in use.', (p) => p.totalCount);
  gauge('idle_connections', 'Open connections of the pool not checked out.', (p) => p.idleCount);
  gauge(
    'waiting_clients',
    'Queries and checkouts queued for a connection because the pool is at its maximum.',
    (p) => p.waitingCount,
  );
  gauge('max_connections', 'The most connections the pool opens (its max).', (p) => p.options.max ?? 10);
  return {
    track(name, pool) {
      pools.set(name, pool);
    },
  };
}

/** The registry's pool metrics, created on first use: several pools of one process share one set of gauges. */
export function poolMetricsOf(registry: Registry): PoolMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createPoolMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
