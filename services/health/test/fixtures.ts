import type { DeploymentLike } from '../src/index.ts';

/** A Deployment as the API returns it; rolled out unless `overrides` say otherwise. */
export function deployment(
  name: string,
  overrides: {
    desired?: number;
    ready?: number;
    available?: number;
    updated?: number;
    generation?: number;
    observed?: number;
  } = {},
): DeploymentLike {
  const desired = overrides.desired ?? 2;
  return {
    metadata: {
      name,
      generation: overrides.generation ?? 3,
      labels: {
        'app.kubernetes.io/component': name.replace(/^sketchyaf-realtime-/, ''),
        'app.kubernetes.io/version': '1.4.2',
      },
    },
    spec: {
      replicas: desired,
      template: { spec: { containers: [{ image: `ghcr.io/sketchyaf/realtime:1.4.2` }] } },
    },
    status: {
      replicas: desired,
      readyReplicas: overrides.ready ?? desired,
      availableReplicas: overrides.available ?? desired,
      updatedReplicas: overrides.updated ?? desired,
      observedGeneration: overrides.observed ?? overrides.generation ?? 3,
    },
  };
}
