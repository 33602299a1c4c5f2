// Pod specs of every workload (Deployments, Jobs, bare Pods) of a render.
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IJob } from 'kubernetes-models/batch/v1';
import type { IContainer, IPod, IPodSpec } from 'kubernetes-models/v1';
import { idOf, type K8sObject } from './manifests.ts';

export interface Workload {
  id: string;
  object: K8sObject;
  podLabels: Record<string, string>;
  spec: IPodSpec;
}

export function workloads(objects: readonly K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    if (o.kind === 'Deployment' || o.kind === 'Job') {
      const template = (o as unknown as IDeployment | IJob).spec?.template;
      if (!template?.spec) throw new Error(`${idOf(o)} has no pod template`);
      out.push({ id: idOf(o), object: o, podLabels: template.metadata?.labels ?? {}, spec: template.spec });
    } else if (o.kind === 'Pod') {
      const pod = o as unknown as IPod;
      if (!pod.spec) throw new Error(`${idOf(o)} has no spec`);
      out.push({ id: idOf(o), object: o, podLabels: o.metadata.labels ?? {}, spec: pod.spec });
    }
  }
  return out;
}

export function containersOf(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Whether a selector's labels all appear in `labels`. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
