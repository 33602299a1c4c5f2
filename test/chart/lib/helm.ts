// Runs the real helm (scripts/helm/helmBinary.ts) and caches each render.
import { execFile } from 'node:child_process';
import { ensureHelm } from '../../../scripts/helm/helmBinary.ts';
import { parseManifests, type K8sObject } from './manifests.ts';
import { chartDir } from './paths.ts';

/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion); renders target it. */
export const kubeVersion = '1.31.0';
export const releaseName = 'sketchyaf-realtime';
export const namespace = 'sketchyaf-realtime';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runHelm(args: readonly string[]): Promise<HelmResult> {
  const helm = await ensureHelm();
  return new Promise((resolve) => {
    execFile(
      helm,
      [...args],
      {
        cwd: chartDir,
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, HELM_DEBUG: '' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface RenderInput {
  /** Chart directory; default: charts/sketchyaf-realtime. */
  chart?: string;
  /** Values files, relative to the chart. */
  files?: readonly string[];
  /** --set arguments. */
  set?: readonly string[];
  /** --api-versions: what the simulated cluster serves. */
  apiVersions?: readonly string[];
  /** image.tag (the chart requires one); default: testImageTag; null: none given. */
  imageTag?: string | null;
}

/** The tag every render passes unless it says otherwise, as a deployment passes its release's tag. */
export const testImageTag = '1.4.2';

function valueArgs(input: RenderInput): string[] {
  const tag = input.imageTag === undefined ? testImageTag : input.imageTag;
  return [
    ...(tag === null ? [] : ['--set', `image.tag=${tag}`]),
    ...(input.files ?? []).flatMap((f) => ['--values', f]),
    ...(input.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

export function templateArgs(input: RenderInput): string[] {
  return [
    'template',
    releaseName,
    input.chart ?? '.',
    '--namespace',
    namespace,
    '--kube-version',
    kubeVersion,
    ...(input.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ...valueArgs(input),
  ];
}

export function lintArgs(input: RenderInput): string[] {
  return [
    'lint',
    input.chart ?? '.',
    '--strict',
    '--kube-version',
    kubeVersion,
    '--namespace',
    namespace,
    ...valueArgs(input),
  ];
}

const cache = new Map<string, Promise<K8sObject[]>>();

/** Renders once per distinct input; rejects with helm's message when rendering fails. */
export function render(input: RenderInput): Promise<K8sObject[]> {
  const args = templateArgs(input);
  const key = JSON.stringify(args);
  let rendered = cache.get(key);
  if (!rendered) {
    rendered = runHelm(args).then((r) => {
      if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${r.stderr}`);
      return parseManifests(r.stdout, `helm ${args.join(' ')}`);
    });
    cache.set(key, rendered);
  }
  return rendered;
}
