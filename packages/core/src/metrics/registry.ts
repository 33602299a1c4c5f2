import { Registry, collectDefaultMetrics } from 'prom-client';

export const metricPrefix = 'sketchyaf_realtime_';

/**
 * A registry per service instance; never the global one, so that two
 * services started in one test process keep their metrics apart.
 */
export function createMetricsRegistry(options: { service: string; collectDefaults?: boolean }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets in seconds, from 1 ms (timer lag) to 30 s (timeouts). */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
