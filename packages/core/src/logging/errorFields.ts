/** An error as plain data: what JSON can carry of it (an Error itself stringifies as `{}`). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | number;
  /** PostgreSQL's explanation of a failed statement, when it gave one. */
  detail?: string;
  where?: string;
  hint?: string;
  stack?: string;
  cause?: SerializedError | string;
  /** An AggregateError's errors (the first few). */
  errors?: (SerializedError | string)[];
}

/** Causes are followed this deep; a cycle or a long chain ends in a marker, never a hang. */
const maxCauseDepth = 4;
const maxAggregated = 5;

/** Any thrown value as plain data: an Error with its name, message, code, cause and stack; anything else as text. */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const extra = err as { code?: unknown; detail?: unknown; where?: unknown; hint?: unknown };
  const out: SerializedError = { name: err.name, message: err.message };
  if (typeof extra.code === 'string' || typeof extra.code === 'number') out.code = extra.code;
  if (typeof extra.detail === 'string') out.detail = extra.detail;
  if (typeof extra.where === 'string') out.where = extra.where;
  if (typeof extra.hint === 'string') out.hint = extra.hint;
  if (err.stack !== undefined) out.stack = err.stack;
  const nested = (value: unknown): SerializedError | string =>
    depth + 1 >= maxCauseDepth ? '(deeper causes omitted)' : serializeError(value, depth + 1);
  if (err.cause !== undefined) out.cause = nested(err.cause);
  if (err instanceof AggregateError && Array.isArray(err.errors))
    out.errors = (err.errors as unknown[]).slice(0, maxAggregated).map(nested);
  return out;
}

/**
 * An error as log fields, `{ err: … }`: spread into a log call (`{ gameId, ...errorFields(err) }`).
 * Plain data, so the stack survives any logger, including ones not made by `createLogger`.
 */
export function errorFields(err: unknown): { err: SerializedError } {
  return { err: serializeError(err) };
}

const maxFieldDepth = 4;

/**
 * The fields of a log record with every Error in them, at any depth up to a bound, replaced by
 * its serialized form. Returns the same object when there is nothing to replace.
 */
export function serializeErrorsIn<T>(value: T, depth = 0): T {
  if (value instanceof Error) return serializeError(value) as T;
  if (depth >= maxFieldDepth || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item: unknown) => {
      const next = serializeErrorsIn(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return (changed ? items : value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const next = serializeErrorsIn(item, depth + 1);
    if (next !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return (copy ?? value) as T;
}
