import { errorFields, errorMessage, type Logger } from '@sketchyaf/core';
import type { HealthConfig } from '../config.ts';
import { DeploymentStatusReader, inClusterAccess, type KubernetesAccess } from './deploymentStatus.ts';

/**
 * Where Deployment status comes from: the given access (null: "not in a
 * cluster"), else the in-cluster service account when in a cluster. A
 * string when the API cannot be used: the reason, shown in the report
 * instead of the Deployments; the service runs on without them.
 */
export async function deploymentReader(
  config: Pick<HealthConfig, 'kubernetes' | 'checkTimeoutMs'>,
  kubernetes: KubernetesAccess | null | undefined,
  logger: Logger,
): Promise<DeploymentStatusReader | string | null> {
  const { labelSelector } = config.kubernetes;
  if (kubernetes !== undefined)
    return kubernetes && new DeploymentStatusReader(kubernetes, labelSelector, config.checkTimeoutMs);
  if (!config.kubernetes.inCluster) return null;
  try {
    const access = await inClusterAccess(config.kubernetes.namespace);
    return new DeploymentStatusReader(access, labelSelector, config.checkTimeoutMs);
  } catch (err) {
    logger.warn('cannot use the Kubernetes API; Deployment status will be missing', {
      ...errorFields(err),
    });
    return `cannot use the Kubernetes API: ${errorMessage(err)}`;
  }
}
