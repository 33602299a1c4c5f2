// The client's event types, rendered from the broadcaster's catalogue so the
// published client (which cannot import the broadcaster) never drifts from it.
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import { apiEventTypes, eventCatalogue } from '../../services/broadcaster/src/index.ts';
import { requestSchemaOf } from '../../services/broadcaster/src/events/catalogue.ts';

export const eventTypesFile = fileURLToPath(new URL('../../packages/client/src/events.ts', import.meta.url));

/** The subset of JSON Schema that zod emits for the catalogue; anything else fails the render. */
interface Schema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
  items?: Schema;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

const pascal = (type: string): string =>
  type.replace(/(?:^|_)([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

const literal = (value: unknown): string => {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  throw new Error(`cannot render literal ${JSON.stringify(value)}`);
};

/** What the type does not say: the bounds the API checks, for the reader of the types. */
function constraints(s: Schema): string[] {
  const out: string[] = [];
  const formats: Record<string, string> = { 'date-time': 'ISO 8601 date-time with offset', uri: 'URL' };
  if (s.format) out.push(formats[s.format] ?? s.format);
  else if (s.pattern) out.push(`matches \`${s.pattern}\``);
  if (s.minLength !== undefined && s.maxLength !== undefined)
    out.push(`${s.minLength} to ${s.maxLength} characters`);
  else if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
  else if (s.minLength !== undefined) out.push(`at least ${s.minLength} characters`);
  if (s.type === 'integer') out.push('integer');
  if (s.minimum !== undefined || s.maximum !== undefined)
    out.push(`${s.minimum ?? '-∞'} to ${s.maximum ?? '∞'}`);
  if (s.minItems !== undefined) out.push(`at least ${s.minItems} items`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.items) out.push(...constraints(s.items).map((c) => `each: ${c}`));
  return out;
}

function comment(lines: string[]): string {
  if (lines.length === 0) return '';
  return `/** ${lines.join('; ').replace(/\*\//g, '*\\/')} */\n`;
}

function typeOf(s: Schema): string {
  if ('const' in s) return literal(s.const);
  if (s.enum) return s.enum.map(literal).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      if (!s.items) throw new Error('array without items');
      const item = typeOf(s.items);
      return item.includes('|') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return objectOf(s);
    default:
      throw new Error(`cannot render schema ${JSON.stringify(s)}`);
  }
}

/** A strict object's members; `named` gives a property a type by name (the event's data interface). */
function objectOf(s: Schema, named: Record<string, string> = {}): string {
  if (s.additionalProperties !== false) throw new Error('the catalogue holds strict objects only');
  const required = new Set(s.required ?? []);
  const members = Object.entries(s.properties ?? {}).map(
    ([name, prop]) =>
      `${comment(constraints(prop))}${name}${required.has(name) ? '' : '?'}: ${named[name] ?? typeOf(prop)};`,
  );
  return `{\n${members.join('\n')}\n}`;
}

/** The TypeScript source of packages/client/src/events.ts, formatted as prettier would. */
export async function renderEventTypes(): Promise<string> {
  const parts: string[] = [
    '// Generated from the event catalogue (services/broadcaster/src/events/catalogue.ts)',
    '// by `npm run client:types`; do not edit: a test fails when this file is stale.',
    '',
  ];
  const names: string[] = [];
  for (const type of apiEventTypes) {
    const name = pascal(type);
    names.push(`${name}Event`);
    const schema = z.toJSONSchema(requestSchemaOf(type)) as Schema;
    const data = schema.properties?.['data'];
    if (!data) throw new Error(`${type}: no data schema`);
    parts.push(
      `/** \`data\` of \`${type}\` events. */`,
      `export interface ${name}Data ${objectOf(data)}`,
      '',
      `/** ${eventCatalogue[type].description} */`,
      `export interface ${name}Event ${objectOf(schema, { data: `${name}Data` })}`,
      '',
    );
  }
  parts.push(
    '/** Every event the API accepts. */',
    `export type RealtimeEvent = ${names.join(' | ')};`,
    '',
    `export type RealtimeEventType = RealtimeEvent['type'];`,
    '',
    `export const realtimeEventTypes = [${apiEventTypes.map(literal).join(', ')}] as const satisfies readonly RealtimeEventType[];`,
    '',
  );
  const options = await prettier.resolveConfig(eventTypesFile);
  return prettier.format(parts.join('\n'), { ...options, filepath: eventTypesFile });
}
