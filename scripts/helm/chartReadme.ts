// Writes the values reference of the chart README from the commented
// values.yaml: every `# -- description` comment (helm-docs' convention) above
// a key becomes a row (key, type, default, description) of the table between
// the README's `values:start` and `values:end` markers; the prose around it is
// kept. test/chart/readme.test.ts fails when the committed README differs
// from what this script writes, or when a value has no description.
//
//   npm run chart:readme      rewrites charts/sketchyaf-realtime/README.md
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

export const chartDir = fileURLToPath(new URL('../../charts/sketchyaf-realtime/', import.meta.url));
export const valuesPath = `${chartDir}values.yaml`;
export const readmePath = `${chartDir}README.md`;

export const startMarker = '<!-- values:start (written by `npm run chart:readme` from values.yaml) -->';
export const endMarker = '<!-- values:end -->';

export interface ValueRow {
  key: string;
  type: string;
  default: unknown;
  description: string;
}

const keyLine = /^( *)([A-Za-z0-9_.-]+|'[^']*'|"[^"]*"):(?: (.*))?$/;
const docStart = /^ *# -- ?(.*)$/;
const docMore = /^ *# ?(.*)$/;

function unquote(key: string): string {
  return /^['"]/.test(key) ? key.slice(1, -1) : key;
}

function lookup(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return typeof value;
}

const isContainer = (value: unknown): boolean => typeof value === 'object' && value !== null;
const isEmptyContainer = (value: unknown): boolean =>
  isContainer(value) && Object.keys(value as object).length === 0;

/**
 * The documented values of a values.yaml text, in file order. Throws naming
 * every value that neither it nor an enclosing key documents.
 */
export function valueRows(text: string): ValueRow[] {
  const root: unknown = parse(text);
  const rows: ValueRow[] = [];
  const undocumented: string[] = [];
  // Keys enclosing the current line: their indent, name, and whether they or an ancestor are documented.
  const stack: { indent: number; key: string; covered: boolean; list: boolean }[] = [];
  let doc: string[] | undefined;

  for (const line of text.split('\n')) {
    const start = docStart.exec(line);
    if (start) {
      doc = [start[1] ?? ''];
      continue;
    }
    if (doc && /^ *#/.test(line)) {
      doc.push(docMore.exec(line)?.[1] ?? '');
      continue;
    }
    if (/^ *(#.*)?$/.test(line)) {
      if (line.trim() === '') doc = undefined;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop();
    // Lines of a list's items belong to the list's row.
    if (stack.at(-1)?.list) {
      doc = undefined;
      continue;
    }
    const match = keyLine.exec(line);
    if (!match) {
      doc = undefined;
      continue;
    }
    const path = [...stack.map((s) => s.key), unquote(match[2] ?? '')];
    const value = lookup(root, path);
    const documented = doc !== undefined;
    const covered = documented || (stack.at(-1)?.covered ?? false);
    if (documented) {
      rows.push({
        key: path.join('.'),
        type: typeOf(value),
        default: value,
        description: (doc ?? []).join(' ').trim(),
      });
    } else if (!covered && (Array.isArray(value) || !isContainer(value) || isEmptyContainer(value))) {
      undocumented.push(path.join('.'));
    }
    doc = undefined;
    stack.push({ indent, key: path.at(-1) ?? '', covered, list: Array.isArray(value) });
  }
  if (undocumented.length > 0)
    throw new Error(`values.yaml: no "# -- description" for ${undocumented.join(', ')}`);
  return rows;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function defaultCell(value: unknown): string {
  if (value === '') return '`""`';
  const json = JSON.stringify(value);
  // Backticks in a value (none today) would end the code span early.
  return json === undefined ? '' : `\`${cell(json.replaceAll('`', "'"))}\``;
}

/** The Markdown table of the rows. */
export function valuesTable(rows: readonly ValueRow[]): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of rows)
    lines.push(`| \`${r.key}\` | ${r.type} | ${defaultCell(r.default)} | ${cell(r.description)} |`);
  return lines.join('\n');
}

/** The README with the text between its markers replaced by the table. */
export function spliceReadme(readme: string, table: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`README.md needs the lines ${startMarker} and ${endMarker}`);
  return `${readme.slice(0, start + startMarker.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

/** The README as this script writes it from the current values.yaml, formatted like the repository. */
export async function renderReadme(): Promise<string> {
  const [values, readme] = await Promise.all([readFile(valuesPath, 'utf8'), readFile(readmePath, 'utf8')]);
  const text = spliceReadme(readme, valuesTable(valueRows(values)));
  const options = (await resolveConfig(readmePath)) ?? {};
  return format(text, { ...options, filepath: readmePath });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(readmePath, await renderReadme());
  console.log(`chart:readme: wrote ${readmePath}`);
}
