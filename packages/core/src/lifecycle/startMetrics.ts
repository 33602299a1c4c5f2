import { Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '../metrics/registry.ts';

export interface StartMetrics {
  started: Gauge;
}

/**
 * Whether the service's start has finished. A process waiting for PostgreSQL
 * answers scrapes (so `up` is 1) and says only here and on /readyz that it
 * does no work yet.
 */
export function createStartMetrics(registry: Registry): StartMetrics {
  const metrics: StartMetrics = {
    started: new Gauge({
      name: `${metricPrefix}service_started`,
      help: '1 once the service has started its work; 0 while its start waits for a dependency (PostgreSQL, runtime control, shard leases).',
      registers: [registry],
    }),
  };
  metrics.started.set(0);
  return metrics;
}
