// values-production.yaml and values-staging.yaml render the shapes the
// runbooks promise: production highly available and autoscaled, staging smaller.
import { strict as assert } from 'node:assert';
import { render } from './lib/helm.ts';
import { named, ofKind, type K8sObject } from './lib/manifests.ts';
import { operatorApis } from './lib/scenarios.ts';

const components = ['broadcaster', 'relay', 'timer-monitor', 'health'];
const name = (component: string): string => `sketchyaf-realtime-${component}`;

/** Fewest and most replicas of a component: from its HPA or ScaledObject, else its replica count. */
function replicaRange(objects: readonly K8sObject[], component: string): { min: number; max: number } {
  const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find(
    (h) => h.spec?.scaleTargetRef.name === name(component),
  );
  if (hpa?.spec) return { min: hpa.spec.minReplicas ?? 1, max: hpa.spec.maxReplicas };
  const so = objects.find((o) => o.kind === 'ScaledObject' && o.metadata.name === name(component));
  if (so) {
    const spec = so['spec'] as { minReplicaCount: number; maxReplicaCount: number };
    return { min: spec.minReplicaCount, max: spec.maxReplicaCount };
  }
  const replicas = named(objects, 'Deployment', name(component)).spec?.replicas ?? 1;
  return { min: replicas, max: replicas };
}

function milliCpu(objects: readonly K8sObject[], component: string): number {
  const cpu = String(
    named(objects, 'Deployment', name(component)).spec?.template.spec?.containers[0]?.resources?.requests?.[
      'cpu'
    ] ?? '0',
  );
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
}

const hasAutoscaler = (objects: readonly K8sObject[], component: string): boolean =>
  objects.some(
    (o) =>
      (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') &&
      (o['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name(component),
  );

describe('chart: environments', function () {
  this.timeout(120_000);
  let production: K8sObject[] = [];
  let productionWithOperators: K8sObject[] = [];
  let staging: K8sObject[] = [];

  before(async () => {
    [production, productionWithOperators, staging] = await Promise.all([
      render({ files: ['values-production.yaml'] }),
      render({ files: ['values-production.yaml'], apiVersions: operatorApis }),
      render({ files: ['values-staging.yaml'] }),
    ]);
  });

  it('production: at least 2 replicas of the broadcaster and health, and of the relay and timer monitor', () => {
    for (const component of components)
      assert.ok(replicaRange(production, component).min >= 2, `${component} runs at least 2 replicas`);
  });

  it('production: a PDB, soft spread over zones and nodes, for every component', () => {
    const pdbs = production.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name);
    assert.deepEqual(pdbs.sort(), components.map(name).sort());
    for (const d of ofKind(production, 'Deployment')) {
      const spread = d.spec?.template.spec?.topologySpreadConstraints ?? [];
      assert.deepEqual(
        spread.map((s) => s.topologyKey),
        ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
      );
      assert.ok(spread.every((s) => s.whenUnsatisfiable === 'ScheduleAnyway'));
    }
  });

  it('production: autoscaling for the broadcaster (CPU), the relay and the timer monitor', () => {
    for (const objects of [production, productionWithOperators])
      for (const component of ['broadcaster', 'relay', 'timer-monitor'])
        assert.ok(hasAutoscaler(objects, component), `${component} autoscaled`);
    assert.ok(
      productionWithOperators.some((o) => o.kind === 'ScaledObject'),
      'KEDA where it is served',
    );
  });

  it('every environment file sets APP_ENV from `environment` (also the alert routing label)', () => {
    for (const [objects, env] of [
      [production, 'production'],
      [staging, 'staging'],
    ] as const) {
      const config = named(objects, 'ConfigMap', name('broadcaster'));
      assert.equal(config.data?.['APP_ENV'], env);
    }
  });

  it('staging is smaller: fewer replicas at most and less CPU per pod', () => {
    for (const component of components) {
      assert.ok(replicaRange(staging, component).max <= replicaRange(production, component).max, component);
      assert.ok(replicaRange(staging, component).min < replicaRange(production, component).min, component);
      assert.ok(milliCpu(staging, component) <= milliCpu(production, component), component);
    }
    const total = (objects: readonly K8sObject[]): number =>
      components.reduce((sum, c) => sum + replicaRange(objects, c).min * milliCpu(objects, c), 0);
    assert.ok(total(staging) < total(production));
  });
});
