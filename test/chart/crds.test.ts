// k8s/crds/realtimecontrol.yaml: a structural schema (every node typed), a
// status subresource, and the same values and bounds as the code's spec
// validation (packages/control/src/controlSpec.ts), so the API server
// refuses what the services would refuse.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  broadcastingModes,
  controlGroup,
  controlKind,
  controlLimits,
  controlPlural,
  controlVersion,
  ingestModes,
  timerModes,
} from '@sketchyaf/control';
import { parseManifests } from './lib/manifests.ts';
import { k8sDir } from './lib/paths.ts';

interface Schema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

function untyped(schema: Schema, path: string): string[] {
  const problems = schema.type === undefined ? [`${path}: no type`] : [];
  for (const [key, child] of Object.entries(schema.properties ?? {}))
    problems.push(...untyped(child, `${path}.${key}`));
  if (schema.items) problems.push(...untyped(schema.items, `${path}[]`));
  return problems;
}

describe('k8s/crds: RealtimeControl', () => {
  it('is structural, has a status subresource, and matches the spec validation of the code', async () => {
    const [crd] = parseManifests(await readFile(join(k8sDir, 'crds', 'realtimecontrol.yaml'), 'utf8'), 'crd');
    assert.ok(crd);
    const spec = crd['spec'] as {
      group: string;
      scope: string;
      names: { kind: string; plural: string };
      versions: {
        name: string;
        storage: boolean;
        subresources?: { status?: unknown };
        schema: { openAPIV3Schema: Schema };
      }[];
    };
    assert.equal(crd.metadata.name, `${controlPlural}.${controlGroup}`);
    assert.equal(spec.group, controlGroup);
    assert.equal(spec.scope, 'Namespaced');
    assert.equal(spec.names.kind, controlKind);
    const [version] = spec.versions;
    assert.ok(version);
    assert.equal(version.name, controlVersion);
    assert.ok(version.storage);
    assert.deepEqual(version.subresources?.status, {});
    const root = version.schema.openAPIV3Schema;
    assert.deepEqual(untyped(root, 'openAPIV3Schema'), []);
    const s = root.properties?.['spec']?.properties ?? {};
    assert.deepEqual(s['broadcasting']?.enum, [...broadcastingModes]);
    assert.deepEqual(s['timers']?.enum, [...timerModes]);
    assert.deepEqual(s['ingest']?.enum, [...ingestModes]);
    const relay = s['relay']?.properties ?? {};
    assert.deepEqual(
      [relay['concurrency']?.minimum, relay['concurrency']?.maximum],
      [controlLimits.concurrency.min, controlLimits.concurrency.max],
    );
    assert.deepEqual(
      [relay['publishRatePerSecond']?.minimum, relay['publishRatePerSecond']?.maximum],
      [controlLimits.publishRatePerSecond.min, controlLimits.publishRatePerSecond.max],
    );
    assert.deepEqual(
      [s['ingestRetryAfterSeconds']?.minimum, s['ingestRetryAfterSeconds']?.maximum],
      [controlLimits.ingestRetryAfterSeconds.min, controlLimits.ingestRetryAfterSeconds.max],
    );
    assert.equal(s['note']?.maxLength, controlLimits.noteLength);
  });
});
