// Narrowing parsed YAML and JSON (unknown) to the shapes the tests read.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what}: expected a mapping`);
  return value;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list`);
  return value as unknown[];
}

export function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string`);
  return value;
}

/** A mapping of strings to strings; absent is empty. */
export function asStringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const record = asRecord(value, what);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(record)) {
    if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else out[key] = asString(v, `${what}.${key}`);
  }
  return out;
}
