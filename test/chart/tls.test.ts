// CA bundles of a private CA (values `tls`): mounted and named in every service pod and the migration Job.
import { strict as assert } from 'node:assert';
import type { IPodSpec } from 'kubernetes-models/v1';
import { render } from './lib/helm.ts';
import type { K8sObject } from './lib/manifests.ts';
import { defaultsInput } from './lib/scenarios.ts';

const podSpecs = (objects: readonly K8sObject[]): [string, IPodSpec][] =>
  objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .map((o) => {
      const spec = (o as unknown as { spec: { template: { spec: IPodSpec } } }).spec.template.spec;
      return [`${o.kind}/${o.metadata.name}`, spec];
    });

describe('chart: TLS CA bundles', function () {
  this.timeout(120_000);

  it('mounts nothing and sets no CA variable by default', async () => {
    for (const [name, spec] of podSpecs(await render(defaultsInput))) {
      assert.deepEqual(
        spec.volumes?.map((v) => v.name),
        ['tmp'],
        name,
      );
      const env = spec.containers[0]?.env?.map((e) => e.name) ?? [];
      assert.ok(!env.includes('DATABASE_CA_FILE') && !env.includes('REDIS_CA_FILE'), name);
    }
  });

  it('mounts a Secret and a ConfigMap read-only and points DATABASE_CA_FILE and REDIS_CA_FILE at them', async () => {
    const objects = await render({
      ...defaultsInput,
      set: [
        ...(defaultsInput.set ?? []),
        'tls.databaseCa.secretName=db-ca',
        'tls.redisCa.configMapName=redis-ca',
        'tls.redisCa.key=bundle.pem',
      ],
    });
    const specs = podSpecs(objects);
    assert.ok(
      specs.some(([name]) => name.startsWith('Job/')),
      'the migration Job is rendered',
    );
    for (const [name, spec] of specs) {
      const container = spec.containers[0];
      const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env['DATABASE_CA_FILE'], '/etc/sketchyaf/tls/database/ca.crt', name);
      const database = spec.volumes?.find((v) => v.name === 'database-ca');
      assert.equal(database?.secret?.secretName, 'db-ca', name);
      const mount = container?.volumeMounts?.find((m) => m.name === 'database-ca');
      assert.deepEqual([mount?.mountPath, mount?.readOnly], ['/etc/sketchyaf/tls/database', true], name);
      if (name.startsWith('Job/')) continue; // migrations never open Redis
      assert.equal(env['REDIS_CA_FILE'], '/etc/sketchyaf/tls/redis/bundle.pem', name);
      const redis = spec.volumes?.find((v) => v.name === 'redis-ca');
      assert.deepEqual(
        [redis?.configMap?.name, redis?.configMap?.items?.[0]?.key],
        ['redis-ca', 'bundle.pem'],
        name,
      );
    }
  });

  it('refuses a bundle named both as a Secret and as a ConfigMap', async () => {
    await assert.rejects(
      render({
        ...defaultsInput,
        set: [...(defaultsInput.set ?? []), 'tls.databaseCa.secretName=a', 'tls.databaseCa.configMapName=b'],
      }),
      /databaseCa/,
    );
  });
});
