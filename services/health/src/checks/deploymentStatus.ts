import { readFile } from 'node:fs/promises';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubernetesReport } from '../status/deployments.ts';
import type { KubernetesReport } from '../status/types.ts';
import { errorMessage, withTimeout } from '@sketchyaf/core';

/** Where Kubernetes mounts the pod's service-account namespace. */
export const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubernetesAccess {
  kubeConfig: KubeConfig;
  namespace: string;
}

/** In a pod: the service-account credentials and the namespace from the downward API or the mounted file. */
export async function inClusterAccess(namespace: string | null): Promise<KubernetesAccess> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster();
  const ns = namespace ?? (await readFile(serviceAccountNamespaceFile, 'utf8')).trim();
  if (ns === '')
    throw new Error(
      `cannot tell the namespace: POD_NAMESPACE unset and ${serviceAccountNamespaceFile} empty`,
    );
  return { kubeConfig, namespace: ns };
}

/** Reads the release's Deployments (AppsV1Api listNamespacedDeployment, by label selector). */
export class DeploymentStatusReader {
  readonly #api: AppsV1Api;
  readonly #namespace: string;
  readonly #labelSelector: string;
  readonly #timeoutMs: number;

  constructor(access: KubernetesAccess, labelSelector: string, timeoutMs: number) {
    this.#api = access.kubeConfig.makeApiClient(AppsV1Api);
    this.#namespace = access.namespace;
    this.#labelSelector = labelSelector;
    this.#timeoutMs = timeoutMs;
  }

  async read(): Promise<KubernetesReport> {
    const base = { inCluster: true as const, namespace: this.#namespace, labelSelector: this.#labelSelector };
    try {
      const list = await withTimeout(this.#timeoutMs, () =>
        this.#api.listNamespacedDeployment({
          namespace: this.#namespace,
          labelSelector: this.#labelSelector,
          timeoutSeconds: Math.max(1, Math.ceil(this.#timeoutMs / 1000)),
        }),
      );
      return kubernetesReport(this.#namespace, this.#labelSelector, list.items);
    } catch (err) {
      return {
        ...base,
        level: 'degraded',
        detail: `cannot list Deployments: ${describeKubernetesError(err)}`,
        deployments: [],
      };
    }
  }
}

/** The API's `code` and message (e.g. 403 from RBAC) when present, else the error text. */
export function describeKubernetesError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e.code !== 'number') return errorMessage(err);
  let body = e.body;
  if (typeof e.body === 'string') {
    try {
      body = JSON.parse(e.body) as unknown;
    } catch {
      return `HTTP ${e.code}: ${e.body.slice(0, 200)}`;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  return `HTTP ${e.code}${typeof message === 'string' ? `: ${message}` : ''}`;
}
