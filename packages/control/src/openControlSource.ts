import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import type { ControlSettings } from './controlConfig.ts';
import { StaticControlSource, type ControlSource } from './controlSource.ts';
import { FileControlSource } from './fileControlSource.ts';

/** Where Kubernetes mounts the pod's service-account namespace. */
export const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface OpenControlSourceOptions {
  logger: Logger;
  clock?: Clock;
  /** Kubernetes API access instead of the pod's service account (tests). */
  kubeConfig?: KubeConfig;
}

/**
 * The source the settings name. The Kubernetes client is loaded only when a
 * RealtimeControl is watched, so services outside a cluster never pay for it.
 */
export async function openControlSource(
  settings: ControlSettings,
  options: OpenControlSourceOptions,
): Promise<ControlSource> {
  const { logger, clock } = options;
  if (settings.kind === 'static') return new StaticControlSource();
  if (settings.kind === 'file') {
    return new FileControlSource({
      path: settings.path,
      resyncMs: settings.resyncMs,
      logger,
      ...(clock ? { clock } : {}),
    });
  }
  const k8s = await import('@kubernetes/client-node');
  let kubeConfig = options.kubeConfig;
  if (!kubeConfig) {
    kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromCluster();
  }
  let namespace = settings.namespace;
  if (namespace === null) {
    namespace = options.kubeConfig
      ? (kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default')
      : (await readFile(serviceAccountNamespaceFile, 'utf8')).trim();
  }
  const { KubernetesControlSource } = await import('./kubernetesControlSource.ts');
  return new KubernetesControlSource({
    kubeConfig,
    namespace,
    name: settings.name,
    resyncMs: settings.resyncMs,
    logger,
    ...(clock ? { clock } : {}),
  });
}
