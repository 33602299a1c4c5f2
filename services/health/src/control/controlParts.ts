import type { Clock, Logger } from '@sketchyaf/core';
import { StaticControlSource, type ControlSource } from '@sketchyaf/control';
import { FileControlSource } from '@sketchyaf/control/agent';
import { inClusterAccess, type KubernetesAccess } from '../checks/deploymentStatus.ts';
import type { HealthConfig } from '../config.ts';
import { kubernetesDiscovery, staticDiscovery, type ReplicaDiscovery } from './replicaTargets.ts';

export interface ControlPartsOverrides {
  /** Kubernetes API access instead of the in-cluster service account. */
  kubernetes?: KubernetesAccess | null;
  /** Where the replicas that acknowledge runtime control are found, instead of the config's. */
  controlDiscovery?: ReplicaDiscovery;
}

export interface ControlParts {
  source: ControlSource;
  discovery: ReplicaDiscovery;
  /** Where status goes: only with a RealtimeControl resource in a cluster. */
  access: KubernetesAccess | null;
}

/**
 * The source of the desired state, where replicas are found, and (in a
 * cluster) where status goes, as CONTROL_SOURCE says. The Kubernetes client
 * is imported only for a RealtimeControl source, so static and file sources
 * load none of it.
 */
export async function controlParts(
  config: HealthConfig,
  overrides: ControlPartsOverrides,
  logger: Logger,
  clock: Clock,
): Promise<ControlParts> {
  const urls = staticDiscovery({
    broadcaster: config.broadcasterUrls,
    relay: config.relayUrls,
    'timer-monitor': config.timerMonitorUrls,
  });
  const settings = config.control;
  if (settings.kind === 'static')
    return { source: new StaticControlSource(), discovery: overrides.controlDiscovery ?? urls, access: null };
  if (settings.kind === 'file')
    return {
      source: new FileControlSource({ path: settings.path, resyncMs: settings.resyncMs, logger, clock }),
      discovery: overrides.controlDiscovery ?? urls,
      access: null,
    };
  const access =
    overrides.kubernetes ?? (await inClusterAccess(settings.namespace ?? config.kubernetes.namespace));
  const { KubernetesControlSource } = await import('@sketchyaf/control/kubernetes');
  return {
    source: new KubernetesControlSource({
      kubeConfig: access.kubeConfig,
      namespace: access.namespace,
      name: settings.name,
      resyncMs: settings.resyncMs,
      logger,
      clock,
    }),
    discovery: overrides.controlDiscovery ?? kubernetesDiscovery(access, config.kubernetes.labelSelector),
    access,
  };
}
