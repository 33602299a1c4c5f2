// The Kubernetes kinds this repository renders, with where their schema
// (kubernetes-models: a validator and a TypeScript interface) lives.
export interface KindEntry {
  apiVersion: string;
  kind: string;
  /** Module exporting the model class `kind` and its interface `I<kind>`. */
  module: string;
}

const core = (kind: string): KindEntry => ({ apiVersion: 'v1', kind, module: 'kubernetes-models/v1' });

export const kinds: readonly KindEntry[] = [
  core('ConfigMap'),
  core('Secret'),
  core('Service'),
  core('ServiceAccount'),
  core('Pod'),
  core('Namespace'),
  core('ResourceQuota'),
  core('LimitRange'),
  { apiVersion: 'apps/v1', kind: 'Deployment', module: 'kubernetes-models/apps/v1' },
  { apiVersion: 'batch/v1', kind: 'Job', module: 'kubernetes-models/batch/v1' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', module: 'kubernetes-models/policy/v1' },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    module: 'kubernetes-models/autoscaling/v2',
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    module: 'kubernetes-models/networking.k8s.io/v1',
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    module: 'kubernetes-models/networking.k8s.io/v1',
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    module: '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    module: 'kubernetes-models/rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    module: 'kubernetes-models/rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    module: 'kubernetes-models/apiextensions.k8s.io/v1',
  },
  {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    module: '@kubernetes-models/keda/keda.sh/v1alpha1',
  },
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  },
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  },
];

export const kindKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;
