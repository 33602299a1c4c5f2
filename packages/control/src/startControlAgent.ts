import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Clock } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import { ControlAgent, type ControlApplier } from './controlAgent.ts';
import type { ControlSettings } from './controlConfig.ts';
import { createControlMetrics } from './controlMetrics.ts';
import type { ControlSource } from './controlSource.ts';
import { openControlSource } from './openControlSource.ts';

export interface StartControlAgentOptions {
  settings: ControlSettings;
  appliers: readonly ControlApplier[];
  component: string;
  logger: Logger;
  registry: Registry;
  clock: Clock;
  /** Instead of the source the settings name (tests). */
  source?: ControlSource | undefined;
  /** Kubernetes API access instead of the pod's service account (tests). */
  kubeConfig?: KubeConfig | undefined;
}

/**
 * Opens the service's control source and makes its agent, without reading the
 * source yet: `GET /control` can be served (nothing applied yet) while the
 * service waits for its dependencies. `agent.start()` reads it, waiting at most
 * 10 s for a source that does not answer, then goes on with the defaults.
 */
export async function createControlAgent(options: StartControlAgentOptions): Promise<ControlAgent> {
  const { settings, logger, clock } = options;
  return new ControlAgent({
    source:
      options.source ??
      (await openControlSource(settings, {
        logger,
        clock,
        ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}),
      })),
    appliers: options.appliers,
    replica: settings.replica,
    component: options.component,
    logger,
    metrics: createControlMetrics(options.registry),
    clock,
  });
}

/**
 * Opens the service's control source and starts its agent, so that the
 * control in force applies before the service does any work: a replica
 * started while paused stays paused. The caller stops it.
 */
export async function startControlAgent(options: StartControlAgentOptions): Promise<ControlAgent> {
  const agent = await createControlAgent(options);
  await agent.start();
  return agent;
}
