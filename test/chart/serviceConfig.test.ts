// Each rendered Deployment's environment (ConfigMap + env + Secret keys) must
// load with that service's own config loader: the chart and the code agree
// on every variable name and value format.
import { strict as assert } from 'node:assert';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IConfigMap, IContainer } from 'kubernetes-models/v1';
import { loadBroadcasterConfig } from '@sketchyaf/broadcaster';
import { loadHealthConfig } from '@sketchyaf/health';
import { loadTimerMonitorConfig } from '@sketchyaf/timer-monitor';
import { render } from './lib/helm.ts';
import type { K8sObject } from './lib/manifests.ts';
import { chartSecretSet } from './lib/scenarios.ts';

const secretValues: Record<string, string> = {
  DATABASE_URL: 'postgres://app:test-only@db.example.test:5432/sketchyaf',
  REDIS_URL: 'redis://redis.example.test:6379',
  PUBNUB_PUBLISH_KEY: 'pub-c-test-only',
  PUBNUB_SUBSCRIBE_KEY: 'sub-c-test-only',
  PUBNUB_SECRET_KEY: 'sec-c-test-only',
  BROADCAST_API_TOKENS: 'test-only-token-0123456789',
  // Optional key: where the chart passes it on, the loader must accept it.
  BROADCAST_API_CLIENTS: JSON.stringify([
    { name: 'chart-test', tokens: [`sha256:${'0'.repeat(64)}`], scopes: ['events:game'] },
  ]),
};

const loaders: Record<string, (env: Record<string, string>) => unknown> = {
  broadcaster: loadBroadcasterConfig,
  relay: loadBroadcasterConfig,
  'timer-monitor': loadTimerMonitorConfig,
  health: loadHealthConfig,
};

function environmentOf(container: IContainer, objects: readonly K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as
      IConfigMap | undefined;
    assert.ok(map, `ConfigMap ${String(name)} is rendered`);
    Object.assign(env, map.data);
  }
  for (const entry of container.env ?? []) {
    const key = entry.valueFrom?.secretKeyRef?.key;
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (key !== undefined && secretValues[key] !== undefined) env[entry.name] = secretValues[key];
    else if (entry.valueFrom?.fieldRef) env[entry.name] = 'from-the-downward-api';
  }
  return env;
}

describe('chart environment against each service config loader', function () {
  this.timeout(120_000);

  for (const file of ['values-production.yaml', 'values-staging.yaml']) {
    it(`every Deployment of ${file} starts with a valid configuration`, async () => {
      const objects = await render({ files: [file], set: chartSecretSet });
      const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment &
        K8sObject)[];
      assert.ok(deployments.length >= 4, 'broadcaster, relay, timer-monitor and health are rendered');
      for (const deployment of deployments) {
        const component = deployment.metadata.labels?.['app.kubernetes.io/component'] ?? '';
        const load = loaders[component];
        assert.ok(load, `a config loader for ${component}`);
        const container = deployment.spec?.template.spec?.containers[0];
        assert.ok(container, `${component} has a container`);
        assert.doesNotThrow(
          () => load(environmentOf(container, objects)),
          `${component} config from ${file}`,
        );
      }
    });
  }
});
