import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { KubernetesAccess } from '../checks/deploymentStatus.ts';
import type { ReplicaTarget } from './controlReport.ts';

/** Where the operator finds the replicas that must acknowledge. */
export interface ReplicaDiscovery {
  /** Rejects with a readable reason when the replicas cannot be listed. */
  targets(): Promise<ReplicaTarget[]>;
}

/** Outside a cluster: the configured URLs, one process each (BROADCASTER_URLS, RELAY_URLS, TIMER_MONITOR_URLS). */
export function staticDiscovery(urls: {
  broadcaster: readonly string[];
  relay: readonly string[];
  'timer-monitor': readonly string[];
}): ReplicaDiscovery {
  const targets = Object.entries(urls).flatMap(([component, list]) =>
    list.map((url) => ({ component, name: url, url })),
  );
  return { targets: () => Promise.resolve(targets) };
}

export const acknowledgingComponents = ['broadcaster', 'relay', 'timer-monitor'] as const;

/** Pure: the running pods of those components, each with its `http` container port. */
export function podTargets(pods: readonly V1Pod[]): ReplicaTarget[] {
  const targets: ReplicaTarget[] = [];
  for (const pod of pods) {
    const component = pod.metadata?.labels?.['app.kubernetes.io/component'] ?? '';
    if (!(acknowledgingComponents as readonly string[]).includes(component)) continue;
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase !== 'Running' || !pod.status.podIP) continue;
    const port = pod.spec?.containers
      .flatMap((c) => c.ports ?? [])
      .find((p) => p.name === 'http')?.containerPort;
    if (port === undefined) continue;
    const host = pod.status.podIP.includes(':') ? `[${pod.status.podIP}]` : pod.status.podIP;
    targets.push({ component, name: pod.metadata?.name ?? host, url: `http://${host}:${port}` });
  }
  return targets;
}

/**
 * In a cluster: every running pod of the release (a Service URL would reach
 * one pod at random, and every pod must acknowledge), read from the API.
 */
export function kubernetesDiscovery(access: KubernetesAccess, labelSelector: string): ReplicaDiscovery {
  const api = access.kubeConfig.makeApiClient(CoreV1Api);
  return {
    async targets() {
      const list = await api.listNamespacedPod({ namespace: access.namespace, labelSelector });
      return podTargets(list.items);
    },
  };
}
