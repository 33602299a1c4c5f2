// The RealtimeControl custom resource (k8s/crds/realtimecontrol.yaml): names
// and the document shape shared by the CONTROL_FILE, the services and the CLI.
import { parseControlSpec, specRevision, type ControlSpec } from './controlSpec.ts';

export const controlGroup = 'realtime.sketchyaf.io';
export const controlVersion = 'v1alpha1';
export const controlApiVersion = `${controlGroup}/${controlVersion}`;
export const controlKind = 'RealtimeControl';
export const controlPlural = 'realtimecontrols';

/** The desired state as one replica sees it. */
export interface ControlState {
  /** metadata.generation (0: no resource or file; defaults apply). */
  generation: number;
  /** specRevision(spec). */
  revision: string;
  spec: ControlSpec;
}

export type DocumentResult = { ok: true; state: ControlState } | { ok: false; problems: string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The state of an absent resource or file: everything enabled. */
export function defaultControlState(): ControlState {
  const parsed = parseControlSpec({});
  if (!parsed.ok) throw new Error('the default spec is invalid');
  return { generation: 0, revision: specRevision(parsed.spec), spec: parsed.spec };
}

/**
 * A RealtimeControl document (a resource from the API, or a parsed
 * CONTROL_FILE): apiVersion and kind are checked when present, the spec is
 * validated and defaulted. Every problem is reported at once.
 */
export function parseControlDocument(value: unknown): DocumentResult {
  if (value === null || value === undefined) return { ok: true, state: defaultControlState() };
  if (!isRecord(value)) return { ok: false, problems: ['the document is not a mapping'] };
  const problems: string[] = [];
  const { apiVersion, kind, metadata, spec, ...rest } = value;
  // status is the operator's: read, never validated here.
  for (const key of Object.keys(rest)) if (key !== 'status') problems.push(`${key}: unknown field`);
  if (apiVersion !== undefined && apiVersion !== controlApiVersion)
    problems.push(`apiVersion: must be ${controlApiVersion}`);
  if (kind !== undefined && kind !== controlKind) problems.push(`kind: must be ${controlKind}`);
  let generation = 0;
  if (metadata !== undefined && metadata !== null) {
    if (!isRecord(metadata)) problems.push('metadata: must be a mapping');
    else if (metadata['generation'] !== undefined) {
      const g = metadata['generation'];
      if (typeof g === 'number' && Number.isSafeInteger(g) && g >= 0) generation = g;
      else problems.push('metadata.generation: must be a whole number ≥ 0');
    }
  }
  const parsed = parseControlSpec(spec);
  if (!parsed.ok) problems.push(...parsed.problems);
  if (problems.length > 0 || !parsed.ok) return { ok: false, problems };
  return { ok: true, state: { generation, revision: specRevision(parsed.spec), spec: parsed.spec } };
}

/** `/apis/realtime.sketchyaf.io/v1alpha1/namespaces/<ns>/realtimecontrols`. */
export function controlCollectionPath(namespace: string): string {
  return `/apis/${controlGroup}/${controlVersion}/namespaces/${encodeURIComponent(namespace)}/${controlPlural}`;
}
