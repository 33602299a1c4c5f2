// Pure: a command-line edit applied to a spec document, validated like the services validate it.
import { parseControlSpec, specDocument, type ControlSpec } from '@sketchyaf/control';
import { UsageError, type Edit } from './args.ts';

export const settableKeys = [
  'broadcasting',
  'timers',
  'ingest',
  'ingest.retryAfterSeconds',
  'relay.concurrency',
  'relay.publishRatePerSecond',
  'note',
] as const;

function numberValue(key: string, value: string, reset: readonly string[]): number | null {
  if (reset.includes(value)) return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${key} must be a number (got "${value}")`);
  return n;
}

/** The spec after `edit` (and `note` when given); throws UsageError when the result is invalid. */
export function applyEdit(spec: ControlSpec, edit: Edit, note: string | null): ControlSpec {
  const doc = specDocument(spec);
  const relay = { ...(doc['relay'] as Record<string, unknown> | undefined) };
  if (edit.kind === 'pause' || edit.kind === 'resume') {
    const paused = edit.kind === 'pause';
    doc[edit.what] =
      edit.what === 'ingest' ? (paused ? 'read-only' : 'enabled') : paused ? 'paused' : 'enabled';
  } else {
    const { key, value } = edit;
    switch (key) {
      case 'broadcasting':
      case 'timers':
      case 'ingest':
        doc[key] = value;
        break;
      case 'ingest.retryAfterSeconds':
        doc['ingestRetryAfterSeconds'] = numberValue(key, value, ['default']);
        break;
      case 'relay.concurrency':
        relay['concurrency'] = numberValue(key, value, ['default']);
        break;
      case 'relay.publishRatePerSecond':
        relay['publishRatePerSecond'] = numberValue(key, value, ['default', 'unlimited']);
        break;
      case 'note':
        doc['note'] = value === 'none' ? null : value;
        break;
      default:
        throw new UsageError(`unknown key "${key}" (keys: ${settableKeys.join(', ')})`);
    }
  }
  doc['relay'] = relay;
  if (note !== null) doc['note'] = note;
  const parsed = parseControlSpec(doc);
  if (!parsed.ok) throw new UsageError(`invalid: ${parsed.problems.join('; ')}`);
  return parsed.spec;
}
