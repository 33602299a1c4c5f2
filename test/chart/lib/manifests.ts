// Parsing rendered YAML into Kubernetes objects, and small typed accessors.
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IJob } from 'kubernetes-models/batch/v1';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import type { IIngress, INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IRole, IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IConfigMap, IPod, ISecret, IService, IServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every non-empty document of a multi-document YAML stream; throws on a YAML error or a non-object. */
export function parseManifests(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value) || typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string')
      throw new Error(
        `${source}: a document is not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`,
      );
    const metadata = value['metadata'];
    if (!isRecord(metadata) || typeof metadata['name'] !== 'string')
      throw new Error(`${source}: ${value['kind']} without metadata.name`);
    objects.push(value as K8sObject);
  }
  return objects;
}

/** `Kind/name`, how the tests name an object. */
export const idOf = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

/** The typed view of the kinds the tests read field by field. */
export interface KindTypes {
  ConfigMap: IConfigMap;
  Deployment: IDeployment;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  HTTPRoute: IHTTPRoute;
  Ingress: IIngress;
  Job: IJob;
  NetworkPolicy: INetworkPolicy;
  Pod: IPod;
  PodDisruptionBudget: IPodDisruptionBudget;
  Role: IRole;
  RoleBinding: IRoleBinding;
  Secret: ISecret;
  Service: IService;
  ServiceAccount: IServiceAccount;
}

export function ofKind<K extends keyof KindTypes>(objects: readonly K8sObject[], kind: K): KindTypes[K][] {
  return objects.filter((o) => o.kind === kind) as unknown as KindTypes[K][];
}

export function named<K extends keyof KindTypes>(
  objects: readonly K8sObject[],
  kind: K,
  name: string,
): KindTypes[K] {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in: ${objects.map(idOf).join(', ')}`);
  return found as unknown as KindTypes[K];
}
