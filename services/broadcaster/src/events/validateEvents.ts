import type { z } from 'zod';
import type { FieldIssue } from '../errors.ts';
import {
  apiEventTypes,
  eventCatalogue,
  isEventType,
  requestSchemaOf,
  type ApiEventInput,
  type EventType,
} from './catalogue.ts';

/** Most events accepted by one batch request. */
export const maxBatchEvents = 100;

export type ValidationResult =
  | { ok: true; events: ApiEventInput[] }
  | { ok: false; reason: 'validation_failed' | 'unknown_type' | 'too_many_events'; issues: FieldIssue[] };

const schemas = new Map<string, z.ZodType<ApiEventInput>>();

function schemaOf(type: EventType, batchItem: boolean): z.ZodType<ApiEventInput> {
  const id = `${type}:${batchItem}`;
  let schema = schemas.get(id);
  if (!schema) {
    schema = requestSchemaOf(type, { batchItem });
    schemas.set(id, schema);
  }
  return schema;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter((p) => p !== '').join('.');
}

/**
 * Validates one event against the catalogue; `prefix` places its issues in a
 * batch (`events.3`), whose items may also carry an `idempotencyKey`.
 */
export function validateEvent(
  input: unknown,
  prefix = '',
  batchItem = false,
): { event?: ApiEventInput; issues: FieldIssue[] } {
  if (!isRecord(input)) {
    return { issues: [{ path: prefix || '(body)', code: 'invalid_type', message: 'must be a JSON object' }] };
  }
  const type = input['type'];
  if (type === undefined) {
    return { issues: [{ path: joinPath(prefix, ['type']), code: 'invalid_type', message: 'is required' }] };
  }
  if (!isEventType(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : `a ${typeof type}`;
    return {
      issues: [
        {
          path: joinPath(prefix, ['type']),
          code: 'unknown_type',
          message: `unknown event type ${shown}; known: ${apiEventTypes.join(', ')}`,
        },
      ],
    };
  }
  if (eventCatalogue[type].origin !== 'api') {
    return {
      issues: [
        {
          path: joinPath(prefix, ['type']),
          code: 'unknown_type',
          message: `${type} events are written by the database only; the API accepts ${apiEventTypes.join(', ')}`,
        },
      ],
    };
  }
  const parsed = schemaOf(type, batchItem).safeParse(input);
  if (parsed.success) return { event: parsed.data, issues: [] };
  return {
    issues: parsed.error.issues.map((issue) => ({
      path: joinPath(prefix, issue.path),
      code: issue.code,
      message: issue.message,
    })),
  };
}

/** `POST /v1/events`: the body is one event. */
export function validateSingle(body: unknown): ValidationResult {
  const { event, issues } = validateEvent(body);
  return event ? { ok: true, events: [event] } : failure(issues);
}

/** `POST /v1/events/batch`: the body is `{ "events": [ … ] }` with 1 to 100 events, all valid. */
export function validateBatch(body: unknown): ValidationResult {
  if (!isRecord(body) || !Array.isArray(body['events'])) {
    return failure([{ path: 'events', code: 'invalid_type', message: 'body must be {"events": [ … ]}' }]);
  }
  const extra = Object.keys(body).filter((k) => k !== 'events');
  const list = body['events'] as unknown[];
  if (list.length > maxBatchEvents) {
    return {
      ok: false,
      reason: 'too_many_events',
      issues: [
        {
          path: 'events',
          code: 'too_big',
          message: `at most ${maxBatchEvents} events per batch, got ${list.length}`,
        },
      ],
    };
  }
  const issues: FieldIssue[] = extra.map((k) => ({
    path: k,
    code: 'unrecognized_keys',
    message: 'unknown field',
  }));
  if (list.length === 0) issues.push({ path: 'events', code: 'too_small', message: 'at least 1 event' });
  const events: ApiEventInput[] = [];
  const keyAt = new Map<string, number>();
  list.forEach((item, i) => {
    const result = validateEvent(item, `events.${i}`, true);
    if (result.event) events.push(result.event);
    issues.push(...result.issues);
    const key = result.event?.idempotencyKey;
    if (key === undefined) return;
    const first = keyAt.get(key);
    // Two items under one key could not both be answered "as first written": refused, nothing written.
    if (first !== undefined)
      issues.push({
        path: `events.${i}.idempotencyKey`,
        code: 'duplicate_key',
        message: `the same key as events.${first}; each event needs its own key`,
      });
    else keyAt.set(key, i);
  });
  return issues.length === 0 ? { ok: true, events } : failure(issues.slice(0, 100));
}

function failure(issues: FieldIssue[]): ValidationResult {
  return {
    ok: false,
    reason: issues.some((i) => i.code === 'unknown_type') ? 'unknown_type' : 'validation_failed',
    issues,
  };
}
