// Validates a Kubernetes object offline: its kind's schema (kubernetes-models)
// plus the strict unknown-field check.
import { kindKey, kinds } from './kinds.ts';
import type { K8sObject } from './manifests.ts';
import { unknownFields } from './strictFields.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const classes = new Map<string, Promise<ModelClass>>();

function modelClass(apiVersion: string, kind: string): Promise<ModelClass> | undefined {
  const key = kindKey(apiVersion, kind);
  const entry = kinds.find((k) => kindKey(k.apiVersion, k.kind) === key);
  if (!entry) return undefined;
  let loading = classes.get(key);
  if (!loading) {
    loading = (import(entry.module) as Promise<Record<string, unknown>>).then((mod) => {
      const cls = mod[entry.kind];
      if (typeof cls !== 'function') throw new Error(`${entry.module} exports no ${entry.kind}`);
      return cls as ModelClass;
    });
    classes.set(key, loading);
  }
  return loading;
}

/** Every problem of one object; empty when it is valid. */
export async function validateObject(object: K8sObject): Promise<string[]> {
  const loading = modelClass(object.apiVersion, object.kind);
  if (!loading)
    return [`no schema for ${object.apiVersion} ${object.kind} (add it to test/chart/lib/kinds.ts)`];
  const Model = await loading;
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (err) {
    problems.push(`schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  problems.push(...unknownFields(object));
  return problems;
}
