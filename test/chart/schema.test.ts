// values.schema.json: unknown keys, wrong types, enums and bounds are
// rejected before anything renders.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHelm, templateArgs } from './lib/helm.ts';
import { defaultsInput } from './lib/scenarios.ts';

const base = defaultsInput.set ?? [];

async function rejects(set: string[], expected: RegExp): Promise<void> {
  const result = await runHelm(templateArgs({ set: [...base, ...set] }));
  assert.notEqual(result.code, 0, `accepted: --set ${set.join(' --set ')}`);
  assert.match(result.stderr, /values don't meet the specifications of the schema/);
  assert.match(result.stderr, expected);
}

describe('chart: values.schema.json', function () {
  this.timeout(120_000);
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-chart-values-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a values file with a misspelled key', async () => {
    const file = join(dir, 'misspelled.yaml');
    await writeFile(file, 'secret:\n  existingSecret: s\nbroadcaster:\n  replicaCout: 3\n');
    const result = await runHelm(templateArgs({ files: [file] }));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /broadcaster.*additional properties 'replicaCout' not allowed/);
  });

  it('rejects a values file with a wrong type', async () => {
    const file = join(dir, 'wrong-type.yaml');
    await writeFile(file, 'secret:\n  existingSecret: s\nbroadcaster:\n  replicaCount: two\n');
    const result = await runHelm(templateArgs({ files: [file] }));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\/broadcaster\/replicaCount.*got string, want integer/);
  });

  it('rejects an unknown top-level key', () =>
    rejects(['replicaCount=2'], /additional properties 'replicaCount'/));
  it('rejects a misspelled nested key', () =>
    rejects(['timerMonitor.autoscaling.minReplica=2'], /additional properties 'minReplica'/));
  it('rejects an environment outside the enum', () => rejects(['environment=prod'], /\/environment/));
  it('rejects a privileged port', () => rejects(['broadcaster.port=80'], /\/broadcaster\/port/));
  it('rejects a CPU target above 100 %', () =>
    rejects(
      ['broadcaster.autoscaling.targetCPUUtilizationPercentage=150'],
      /targetCPUUtilizationPercentage/,
    ));
  it('rejects a grace period too short for the drain', () =>
    rejects(['pod.terminationGracePeriodSeconds=5'], /terminationGracePeriodSeconds/));
  it('rejects a misspelled tuning variable', () =>
    rejects(['timerMonitor.env.TIMER_BATCH_SIZ=5'], /invalid propertyName 'TIMER_BATCH_SIZ'/));
  it('rejects overriding a chart-managed variable of the health service', () =>
    rejects(['health.env.DATABASE_URL=postgres://x'], /invalid propertyName 'DATABASE_URL'/));
  it('rejects an unknown KEDA mode', () => rejects(['keda.mode=sometimes'], /\/keda\/mode/));
  it('rejects a malformed image digest', () => rejects(['image.digest=latest'], /\/image\/digest/));
});
