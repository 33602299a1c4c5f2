// Writes docs/openapi.json (the broadcaster's OpenAPI document, as served at
// GET /openapi.json) and docs/api.md (the reference rendered from it).
// test/docs/apiReference.test.ts fails when either differs from what this
// script writes now, i.e. when the event catalogue and the docs disagree.
//
//   npm run docs:api      rewrites both files
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  buildOpenApiDocument,
  type JsonObject,
  type JsonValue,
  type OpenApiDocument,
} from '../../services/broadcaster/src/http/openapiDocument.ts';

export const openapiPath = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));
export const apiReferencePath = fileURLToPath(new URL('../../docs/api.md', import.meta.url));

const methods = ['get', 'post', 'put', 'patch', 'delete', 'options'] as const;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: JsonValue | undefined): JsonObject {
  return isObject(value) ? value : {};
}

function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n+\s*/g, ' ').replaceAll('|', '\\|');
}

function refName(schema: JsonObject): string | undefined {
  const target = schema['$ref'];
  return typeof target === 'string' ? target.split('/').pop() : undefined;
}

/** Markdown anchor of a `### heading` as GitHub makes it. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
}

function schemaLink(name: string): string {
  return `[\`${name}\`](#${anchor(name)})`;
}

/** Short type of a schema: `string (uuid)`, `integer or null`, `array of Accepted`, `"a" \| "b"`. */
function typeOf(schema: JsonObject): string {
  const name = refName(schema);
  if (name !== undefined) return schemaLink(name);
  if ('const' in schema) return `\`${JSON.stringify(schema['const'])}\``;
  const enumValues = list(schema['enum']);
  if (enumValues.length > 0) return enumValues.map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  const union = list(schema['anyOf'] ?? schema['oneOf']);
  if (union.length > 0) return union.map((s) => typeOf(obj(s))).join(' or ');
  const type = schema['type'];
  const types = Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];
  const formatted = types.map((t) => {
    if (t === 'array') return `array of ${typeOf(obj(schema['items']))}`;
    if (t === 'string' && typeof schema['format'] === 'string') return `string (${schema['format']})`;
    return t;
  });
  return formatted.length > 0 ? formatted.join(' or ') : 'any';
}

/** Limits of a schema as words: `1-64 characters`, `≤ 100 items`, `pattern …`. */
function constraintsOf(schema: JsonObject): string {
  const parts: string[] = [];
  const range = (min: JsonValue | undefined, max: JsonValue | undefined, unit: string): void => {
    if (typeof min === 'number' && typeof max === 'number') parts.push(`${min} to ${max}${unit}`);
    else if (typeof min === 'number') parts.push(`≥ ${min}${unit}`);
    else if (typeof max === 'number') parts.push(`≤ ${max}${unit}`);
  };
  range(schema['minLength'], schema['maxLength'], ' characters');
  range(schema['minimum'], schema['maximum'], '');
  range(schema['minItems'], schema['maxItems'], ' items');
  // These formats say it better than their (long) patterns.
  if (
    typeof schema['pattern'] === 'string' &&
    schema['format'] !== 'date-time' &&
    schema['format'] !== 'uuid'
  )
    parts.push(`pattern \`${schema['pattern']}\``);
  if (schema['default'] !== undefined) parts.push(`default \`${JSON.stringify(schema['default'])}\``);
  const union = list(schema['anyOf']);
  for (const member of union) if (obj(member)['type'] !== 'null') parts.push(constraintsOf(obj(member)));
  return parts.filter((p) => p !== '').join('; ');
}

/** One row per field, nested objects and arrays of objects flattened (`data.scores[].playerId`). */
function fieldRows(schema: JsonObject, prefix = ''): string[] {
  const properties = obj(schema['properties']);
  const required = new Set(list(schema['required']).map(String));
  const rows: string[] = [];
  for (const [field, value] of Object.entries(properties)) {
    const child = obj(value);
    const path = `${prefix}${field}`;
    rows.push(
      `| \`${path}\` | ${cell(typeOf(child))} | ${required.has(field) ? 'yes' : 'no'} | ${cell(constraintsOf(child))} | ${cell(str(child['description']))} |`,
    );
    if (isObject(child['properties'])) rows.push(...fieldRows(child, `${path}.`));
    const items = obj(child['items']);
    if (isObject(items['properties'])) rows.push(...fieldRows(items, `${path}[].`));
  }
  return rows;
}

function fieldTable(schema: JsonObject): string[] {
  const rows = fieldRows(schema);
  if (rows.length === 0) return [];
  return [
    '| field | type | required | constraints | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

interface Operation {
  method: string;
  path: string;
  operation: JsonObject;
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of methods) {
      const operation = obj(item)[method];
      if (isObject(operation)) operations.push({ method: method.toUpperCase(), path, operation });
    }
  return operations;
}

function authOf(doc: OpenApiDocument, operation: JsonObject): string {
  const schemes = list(operation['security']).flatMap((s) => Object.keys(obj(s)));
  if (schemes.length === 0) return 'none';
  const defined = obj(obj(doc.components['securitySchemes']));
  return schemes.map((s) => `\`${s}\` (${str(obj(defined[s])['scheme'])})`).join(' or ');
}

function resolveParameter(doc: OpenApiDocument, parameter: JsonObject): JsonObject {
  const name = refName(parameter);
  return name === undefined ? parameter : obj(obj(doc.components['parameters'])[name]);
}

function bodySchemaOf(content: JsonValue | undefined): { type: string; schema: JsonObject } | undefined {
  const [type, media] = Object.entries(obj(content))[0] ?? [];
  return type === undefined ? undefined : { type, schema: obj(obj(media)['schema']) };
}

function renderOperation(doc: OpenApiDocument, { method, path, operation }: Operation): string[] {
  const lines = [`### \`${method} ${path}\``, '', `${str(operation['summary'])}.`, ''];
  if (typeof operation['description'] === 'string') lines.push(operation['description'], '');
  lines.push(`Authentication: ${authOf(doc, operation)}.`, '');

  const parameters = list(operation['parameters']).map((p) => resolveParameter(doc, obj(p)));
  if (parameters.length > 0) {
    lines.push(
      '| parameter | in | required | type | constraints | description |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const p of parameters) {
      const schema = obj(p['schema']);
      lines.push(
        `| \`${str(p['name'])}\` | ${str(p['in'])} | ${p['required'] === true ? 'yes' : 'no'} | ${cell(typeOf(schema))} | ${cell(constraintsOf(schema))} | ${cell(str(p['description']))} |`,
      );
    }
    lines.push('');
  }

  const body = bodySchemaOf(obj(operation['requestBody'])['content']);
  if (body) lines.push(`Request body (\`${body.type}\`): ${typeOf(body.schema)}.`, '');

  lines.push('| status | meaning | body | headers |', '| --- | --- | --- | --- |');
  const inline: string[] = [];
  for (const [status, value] of Object.entries(obj(operation['responses']))) {
    const response = obj(value);
    const codes = list(response['x-error-codes']).map(String);
    const meaning =
      codes.length > 0
        ? codes.map((c) => `[\`${c}\`](#${anchor(c)})`).join(', ')
        : str(response['description']);
    const content = bodySchemaOf(response['content']);
    const schema = content?.schema ?? {};
    const shown = list(schema['allOf']).length > 0 ? obj(list(schema['allOf'])[0]) : schema;
    const bodyText = content ? `${typeOf(shown)} (\`${content.type}\`)` : '(none)';
    const headers = Object.keys(obj(response['headers']))
      .map((h) => `\`${h}\``)
      .join(', ');
    lines.push(`| ${status} | ${cell(meaning)} | ${cell(bodyText)} | ${headers} |`);
    if (isObject(shown['properties'])) inline.push(`${status} body:`, '', ...fieldTable(shown));
  }
  lines.push('', ...inline);
  return lines;
}

function renderSchema(name: string, schema: JsonObject): string[] {
  const lines = [`### ${name}`, ''];
  if (typeof schema['description'] === 'string') lines.push(schema['description'], '');
  const union = list(schema['oneOf'] ?? schema['anyOf']);
  if (union.length > 0) {
    const discriminator = obj(schema['discriminator']);
    const by =
      typeof discriminator['propertyName'] === 'string' ? ` (by \`${discriminator['propertyName']}\`)` : '';
    lines.push(`One of${by}: ${union.map((s) => typeOf(obj(s))).join(', ')}.`, '');
    for (const member of union) lines.push(...fieldTable(obj(member)));
    return lines;
  }
  if (schema['type'] === 'array') {
    lines.push(`${typeOf(schema)} (${constraintsOf(schema)}).`, '');
    return lines;
  }
  lines.push(...fieldTable(schema));
  return lines;
}

/** docs/api.md from the document: operations, event types with field tables, other schemas, error codes. */
export function renderApiReference(doc: OpenApiDocument): string {
  const schemas = obj(doc.components['schemas']);
  const eventNames = list(obj(schemas['ApiEvent'])['oneOf']).map((s) => refName(obj(s)) ?? '');
  const dataNames = Object.keys(schemas).filter((n) => n.endsWith('Data'));
  const shownAbove = new Set([...eventNames, ...dataNames]);
  const operations = operationsOf(doc);
  const lines: string[] = [
    `# ${str(doc.info['title'])} HTTP API (${str(doc.info['version'])})`,
    '',
    '<!-- Generated by `npm run docs:api` (scripts/docs/renderApiReference.ts) from the OpenAPI document; do not edit. -->',
    '',
    `${str(doc.info['summary'])} The machine-readable document is [openapi.json](openapi.json) ` +
      `(OpenAPI ${doc.openapi}), also served by every broadcaster at \`GET /openapi.json\`:`,
    '',
    '```sh',
    'curl -s localhost:8080/openapi.json',
    '```',
    '',
    str(doc.info['description']),
    '',
    '## Operations',
    '',
    '| operation | summary | authentication |',
    '| --- | --- | --- |',
    ...operations.map(
      (o) =>
        `| [\`${o.method} ${o.path}\`](#${anchor(`${o.method} ${o.path}`)}) | ${cell(str(o.operation['summary']))} | ${authOf(doc, o.operation)} |`,
    ),
    '',
    ...operations.flatMap((o) => renderOperation(doc, o)),
    '## Event types',
    '',
    'The body of `POST /v1/events`, and each item of a batch, is one of these; unknown fields are refused.',
    '',
  ];
  for (const name of eventNames) {
    const event = obj(schemas[name]);
    const data = refName(obj(obj(event['properties'])['data'])) ?? '';
    lines.push(`### ${str(event['title'])}`, '', str(event['description']), '', ...fieldTable(event));
    lines.push(`#### ${data}`, '', ...fieldTable(obj(schemas[data])));
  }
  const dataOfEvents = new Set(
    eventNames.map((n) => refName(obj(obj(obj(schemas[n])['properties'])['data'])) ?? ''),
  );
  lines.push(
    '## Published only',
    '',
    'Events the API does not accept; subscribers get their `data` in the envelope.',
    '',
  );
  for (const name of dataNames)
    if (!dataOfEvents.has(name)) lines.push(...renderSchema(name, obj(schemas[name])));
  lines.push('## Other schemas', '');
  for (const [name, schema] of Object.entries(schemas))
    if (!shownAbove.has(name)) lines.push(...renderSchema(name, obj(schema)));
  lines.push(
    '## Error codes',
    '',
    'Every refusal is `{"error": {"code", "message", "details"}, "requestId"}`; the `code` is stable.',
    '',
  );
  for (const [code, value] of Object.entries(obj(doc['x-error-codes']))) {
    const entry = obj(value);
    lines.push(
      `### ${code}`,
      '',
      `HTTP ${JSON.stringify(entry['status'])}. ${str(entry['description'])}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The two files' exact contents, formatted like the rest of the repository. */
export async function renderApiFiles(doc: OpenApiDocument = buildOpenApiDocument()): Promise<{
  openapiJson: string;
  apiMarkdown: string;
}> {
  const options = (await resolveConfig(apiReferencePath)) ?? {};
  return {
    openapiJson: await format(JSON.stringify(doc), { ...options, parser: 'json' }),
    apiMarkdown: await format(renderApiReference(doc), { ...options, parser: 'markdown' }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { openapiJson, apiMarkdown } = await renderApiFiles();
  await writeFile(openapiPath, openapiJson);
  await writeFile(apiReferencePath, apiMarkdown);
  console.log(`wrote ${openapiPath} and ${apiReferencePath}`);
}
