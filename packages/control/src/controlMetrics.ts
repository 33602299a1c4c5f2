import { Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '@sketchyaf/core';
import { pausable } from './controlSpec.ts';

export interface ControlMetrics {
  paused: Gauge<'what'>;
  appliedGeneration: Gauge;
  sourceUp: Gauge;
}

/** What runtime control has put in force in this replica (ControlAgent). */
export function createControlMetrics(registry: Registry): ControlMetrics {
  const registers = [registry];
  const metrics: ControlMetrics = {
    paused: new Gauge({
      name: `${metricPrefix}control_paused`,
      help: 'Runtime control in force in this replica: 1 while `what` (broadcasting, timers, ingest) is paused (ingest: read-only).',
      labelNames: ['what'],
      registers,
    }),
    appliedGeneration: new Gauge({
      name: `${metricPrefix}control_applied_generation`,
      help: 'Generation of the RealtimeControl (or CONTROL_FILE) this replica has applied; 0: defaults.',
      registers,
    }),
    sourceUp: new Gauge({
      name: `${metricPrefix}control_source_up`,
      help: '1 while the last read of the control source (file or RealtimeControl watch) succeeded.',
      registers,
    }),
  };
  for (const what of pausable) metrics.paused.set({ what }, 0);
  return metrics;
}
