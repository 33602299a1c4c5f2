import { strict as assert } from 'node:assert';
import { deploymentReport, kubernetesReport } from '../src/index.ts';
import { deployment } from './fixtures.ts';

describe('Deployment status', () => {
  it('is green when rolled out, with component, version and image', () => {
    const r = deploymentReport(deployment('sketchyaf-realtime-broadcaster'));
    assert.equal(r.level, 'up');
    assert.equal(r.component, 'broadcaster');
    assert.equal(r.version, '1.4.2');
    assert.deepEqual(r.images, ['ghcr.io/sketchyaf/realtime:1.4.2']);
    assert.equal(r.detail, '2 of 2 available, generation 3 rolled out');
  });

  it('is amber during a rollout or while the controller lags, red when nothing is available', () => {
    const rolling = deploymentReport(deployment('d', { updated: 1 }));
    assert.equal(rolling.level, 'degraded');
    assert.match(rolling.detail, /1 of 2 updated \(rollout in progress\)/);
    const unseen = deploymentReport(deployment('d', { generation: 4, observed: 3 }));
    assert.equal(unseen.level, 'degraded');
    assert.match(unseen.detail, /has not seen generation 4 yet/);
    assert.equal(deploymentReport(deployment('d', { ready: 0, available: 0 })).level, 'down');
    assert.equal(
      deploymentReport(deployment('d', { desired: 0, ready: 0, available: 0, updated: 0 })).level,
      'off',
    );
    assert.equal(deploymentReport({}).name, '(unnamed)');
  });

  it('sums up a namespace', () => {
    assert.equal(kubernetesReport('ns', 'sel', [deployment('a'), deployment('b')]).level, 'up');
    const some = kubernetesReport('ns', 'sel', [deployment('b'), deployment('a', { updated: 0 })]);
    assert.equal(some.level, 'degraded');
    assert.deepEqual(
      some.deployments.map((d) => d.name),
      ['a', 'b'],
    );
    const none = kubernetesReport('ns', 'app=x', []);
    assert.equal(none.detail, 'no Deployment matches app=x in ns');
    const down = kubernetesReport('ns', 'sel', [deployment('a', { available: 0, ready: 0 })]);
    assert.equal(down.level, 'down');
  });
});
