// Every rendered object, and every cluster-level manifest under k8s/, is
// valid against its Kubernetes schema with no unknown field.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { render } from './lib/helm.ts';
import { validateObject } from './lib/kubeValidate.ts';
import { idOf, parseManifests, type K8sObject } from './lib/manifests.ts';
import { k8sDir, repoRoot } from './lib/paths.ts';
import { scenarios } from './lib/scenarios.ts';

async function problemsOf(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) for (const p of await validateObject(o)) problems.push(`${idOf(o)}: ${p}`);
  return problems;
}

/** k8s/**\/*.yaml except monitoring/ (Prometheus and Alertmanager files, not Kubernetes objects). */
async function clusterManifests(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'monitoring') files.push(...(await clusterManifests(path)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

describe('chart: Kubernetes schemas (strict)', function () {
  this.timeout(120_000);

  for (const scenario of scenarios) {
    it(`${scenario.name}: every object is valid, with no unknown field`, async () => {
      assert.deepEqual(await problemsOf(await render(scenario)), []);
    });
  }

  it('k8s/: every cluster-level manifest is valid, with no unknown field', async () => {
    const files = await clusterManifests(k8sDir);
    assert.ok(files.length > 0);
    for (const file of files) {
      const name = relative(repoRoot, file);
      const objects = parseManifests(await readFile(file, 'utf8'), name);
      assert.ok(objects.length > 0, `${name} holds no object`);
      assert.deepEqual(await problemsOf(objects), [], name);
    }
  });

  it('the check catches a misspelled field and a wrong type (self-test)', async () => {
    const [deployment] = (await render(scenarios[0] ?? {})).filter((o) => o.kind === 'Deployment');
    assert.ok(deployment);
    const broken = structuredClone(deployment);
    const spec = broken['spec'] as {
      replicas: unknown;
      template: { spec: { containers: Record<string, unknown>[] } };
    };
    spec.replicas = 'three';
    const [container] = spec.template.spec.containers;
    assert.ok(container);
    container['livenessProbes'] = container['livenessProbe'];
    const problems = await validateObject(broken);
    assert.ok(
      problems.some((p) => p.includes('replicas must be integer')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('.livenessProbes: unknown field')),
      problems.join('\n'),
    );
  });
});
