// Every values file of the chart and every ci/ scenario, as render inputs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderInput } from './helm.ts';
import { chartDir } from './paths.ts';

export interface Scenario extends RenderInput {
  name: string;
}

/** values.yaml alone needs a Secret name; the test asserts it fails without one. */
export const defaultsInput: RenderInput = { set: ['secret.existingSecret=sketchyaf-realtime'] };

export const environmentFiles = readdirSync(chartDir)
  .filter((f) => /^values-[a-z]+\.yaml$/.test(f))
  .sort();

export const ciFiles = readdirSync(join(chartDir, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort()
  .map((f) => `ci/${f}`);

/** Fake, obviously test-only secret values for the chart-managed Secret path. */
export const chartSecretSet = [
  'secret.values.databaseUrl=postgres://app:test-only@db.example.test:5432/sketchyaf',
  'secret.values.redisUrl=redis://redis.example.test:6379',
  'secret.values.pubnubPublishKey=pub-c-test-only',
  'secret.values.pubnubSubscribeKey=sub-c-test-only',
  'secret.values.pubnubSecretKey=sec-c-test-only',
  'secret.values.apiTokens=test-only-token-0123456789',
];

/** A cluster that serves KEDA and prometheus-operator. */
export const operatorApis = ['keda.sh/v1alpha1', 'monitoring.coreos.com/v1'];

export const scenarios: readonly Scenario[] = [
  { name: 'values.yaml', ...defaultsInput },
  ...environmentFiles.map((f) => ({ name: f, files: [f] })),
  ...ciFiles.map((f) => ({ name: f, files: [f] })),
  { name: 'chart-managed Secret', set: chartSecretSet },
  {
    name: 'production on a cluster with KEDA and prometheus-operator',
    files: ['values-production.yaml'],
    apiVersions: operatorApis,
  },
];
