import type { ClusterReport, DeploymentReport, Level } from './types.ts';

/** The fields of a `apps/v1` Deployment this service reads (structurally a V1Deployment). */
export interface DeploymentLike {
  metadata?: { name?: string; generation?: number; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    observedGeneration?: number;
  };
}

/**
 * Pure: a Deployment is green when the controller has seen its latest spec
 * and every desired replica is updated, ready and available; amber while a
 * rollout is under way or some replicas are missing; red when none is available.
 */
export function deploymentReport(d: DeploymentLike): DeploymentReport {
  const labels = d.metadata?.labels ?? {};
  const desired = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const updated = d.status?.updatedReplicas ?? 0;
  const generation = d.metadata?.generation ?? 0;
  const observedGeneration = d.status?.observedGeneration ?? 0;
  const images = (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').filter((i) => i !== '');
  const problems: string[] = [];
  if (observedGeneration < generation)
    problems.push(`controller has not seen generation ${generation} yet (observed ${observedGeneration})`);
  if (updated < desired) problems.push(`${updated} of ${desired} updated (rollout in progress)`);
  if (ready < desired) problems.push(`${ready} of ${desired} ready`);
  if (available < desired) problems.push(`${available} of ${desired} available`);
  let level: Level = 'up';
  if (desired === 0) level = 'off';
  else if (available === 0) level = 'down';
  else if (problems.length > 0) level = 'degraded';
  return {
    name: d.metadata?.name ?? '(unnamed)',
    component: labels['app.kubernetes.io/component'] ?? null,
    level,
    desired,
    ready,
    available,
    updated,
    generation,
    observedGeneration,
    images,
    version: labels['app.kubernetes.io/version'] ?? null,
    detail:
      desired === 0
        ? 'scaled to zero'
        : problems.length === 0
          ? `${available} of ${desired} available, generation ${generation} rolled out`
          : problems.join('; '),
  };
}

export function kubernetesReport(
  namespace: string,
  labelSelector: string,
  deployments: readonly DeploymentLike[],
): ClusterReport {
  const reports = deployments.map(deploymentReport).sort((a, b) => a.name.localeCompare(b.name));
  const down = reports.filter((r) => r.level === 'down');
  const degraded = reports.filter((r) => r.level === 'degraded');
  let level: Level = 'up';
  let detail = `${reports.length} Deployment(s) fully rolled out`;
  if (reports.length === 0) {
    level = 'degraded';
    detail = `no Deployment matches ${labelSelector} in ${namespace}`;
  } else if (down.length > 0) {
    level = 'down';
    detail = `no replica available: ${down.map((r) => r.name).join(', ')}`;
  } else if (degraded.length > 0) {
    level = 'degraded';
    detail = degraded.map((r) => `${r.name}: ${r.detail}`).join('; ');
  }
  return { inCluster: true, namespace, labelSelector, level, detail, deployments: reports };
}
