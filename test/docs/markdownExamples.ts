// Reading the examples of a Markdown page: fenced blocks, the commands of a
// shell block and the answers they promise. Pure, so the rules are unit-tested.

export interface CodeBlock {
  /** Line of the opening fence, 1-based. */
  line: number;
  /** The info string's first word, lower case; '' when the fence has none. */
  lang: string;
  text: string;
}

/** Every fenced block (``` or ~~~, indented or not) of `markdown`. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      // Content of a fence inside a list item is indented like the fence.
      body.push(line.slice(Math.min(indent, line.length - line.trimStart().length)));
    }
    blocks.push({ line: i + 1, lang: (open[3] ?? '').toLowerCase(), text: body.join('\n') });
    i = j;
  }
  return blocks;
}

export interface Expectation {
  status: number;
  /** The JSON-like answer shown after the status, if any (see `answerPattern`). */
  body: string | null;
}

export interface ShellCommand {
  /** Line in the block's text, 1-based. */
  line: number;
  text: string;
  expectation: Expectation | null;
}

/** Where an unquoted `#` starts a comment, or -1. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote !== null) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '\\') i += 1;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return i;
  }
  return -1;
}

/**
 * The commands of a `sh`/`bash` block (`console`: only lines after `$ `),
 * continuation lines joined, comments dropped; a comment line `# <status> …`
 * right after a command is that command's expected answer.
 */
export function shellCommands(text: string, lang: string): ShellCommand[] {
  const lines = text.split('\n');
  const commands: ShellCommand[] = [];
  let current: ShellCommand | null = null;
  let continuing = false;
  let last: ShellCommand | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    let raw = lines[i] ?? '';
    if (lang === 'console' && !continuing) {
      if (!raw.startsWith('$ ')) {
        last = null;
        continue;
      }
      raw = raw.slice(2);
    }
    const cut = commentStart(raw);
    const comment = cut >= 0 ? raw.slice(cut + 1).trim() : '';
    const code = (cut >= 0 ? raw.slice(0, cut) : raw).trimEnd();
    if (!continuing && code.trim() === '') {
      const expected = /^(\d{3})\b\s*(.*)$/.exec(comment);
      if (expected && last !== null && last.expectation === null) {
        last.expectation = { status: Number(expected[1]), body: firstJson(expected[2] ?? '') };
      } else last = null;
      continue;
    }
    const continues = code.endsWith('\\');
    const piece = continues ? code.slice(0, -1).trimEnd() : code;
    if (continuing && current !== null) current.text = `${current.text} ${piece.trim()}`;
    else current = { line: i + 1, text: piece.trim(), expectation: null };
    continuing = continues;
    if (!continues) {
      commands.push(current);
      last = current;
      current = null;
    }
  }
  if (current !== null) commands.push(current);
  return commands;
}

/** The first balanced `{…}` or `[…]` of `text` (strings respected), or null. */
function firstJson(text: string): string | null {
  const start = text.search(/[[{]/);
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return null;
}

/**
 * Splits a command line at unquoted `&&`, `||`, `;` and a trailing `&`;
 * `$( … )` stays whole.
 */
export function commandList(command: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let parens = 0;
  let start = 0;
  for (let i = 0; i < command.length; i += 1) {
    const c = command[i];
    if (quote !== null) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '\\') i += 1;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '(') parens += 1;
    else if (c === ')') parens -= 1;
    else if (parens === 0 && (c === ';' || c === '&' || (c === '|' && command[i + 1] === '|'))) {
      parts.push(command.slice(start, i));
      if (command[i + 1] === c) i += 1;
      start = i + 1;
    }
  }
  parts.push(command.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Shell words of a simple command, quotes kept (`$( … )` is one word). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let quote: string | null = null;
  let parens = 0;
  let word = '';
  for (let i = 0; i < command.length; i += 1) {
    const c = command[i] ?? '';
    if (quote !== null) {
      if (c === '\\' && quote === '"') {
        word += c + (command[i + 1] ?? '');
        i += 1;
        continue;
      }
      if (c === quote) quote = null;
      word += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') parens += 1;
    else if (c === ')') parens -= 1;
    if (/\s/.test(c) && parens === 0) {
      if (word !== '') words.push(word);
      word = '';
    } else word += c;
  }
  if (word !== '') words.push(word);
  return words;
}

/** Removes one level of shell quotes from a word (enough for paths and names). */
export function unquote(word: string): string {
  return word.replace(
    /'([^']*)'|"((?:[^"\\]|\\.)*)"/g,
    (_m, single: string | undefined, double: string | undefined) =>
      single ?? (double ?? '').replace(/\\(.)/g, '$1'),
  );
}

export interface SimpleCommand {
  /** `NAME=value` words before the command (an `export` is dropped). */
  assignments: { name: string; value: string }[];
  /** The words after them; empty for a command that only assigns. */
  words: string[];
}

export function simpleCommand(command: string): SimpleCommand {
  const words = shellWords(command);
  if (words[0] === 'export') words.shift();
  const assignments: { name: string; value: string }[] = [];
  while (words.length > 0) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(words[0] ?? '');
    if (!m) break;
    assignments.push({ name: m[1] ?? '', value: m[2] ?? '' });
    words.shift();
  }
  return { assignments, words };
}

/** `command` without its leading `NAME=value` words: what exemption prefixes are matched against. */
export function withoutAssignments(command: string): string {
  const { words } = simpleCommand(command);
  return words.join(' ');
}

const localUrl = /(?:https?:\/\/)?(?:localhost|127\.0\.0\.1):(\d{2,5})/g;

/** Ports of loopback URLs (`localhost:8080`, `http://127.0.0.1:8090/…`) in `text`. */
export function localPorts(text: string): number[] {
  return [...text.matchAll(localUrl)].map((m) => Number(m[1]));
}

/** Rewrites loopback URLs to the servers of `bases` (port → base URL); unknown ports stay. */
export function rewriteLocalUrls(text: string, bases: ReadonlyMap<number, string>): string {
  return text.replace(localUrl, (whole, port: string) => bases.get(Number(port)) ?? whole);
}

/** Replaces `<name>` placeholders that `values` knows. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/<([A-Za-z][\w-]*)>/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * The answer shown in a doc as a JSON pattern: `…` inside a string means any
 * string, a `…` member (`{…,"a":1}`) allows more keys, `<name>` in a string
 * matches any text. Returns the parsed pattern or an error.
 */
export function answerPattern(shown: string): { pattern: unknown } | { error: string } {
  const text = shown
    .replace(/\{\s*…\s*,/g, '{"…":"…",')
    .replace(/,\s*…\s*\}/g, ',"…":"…"}')
    .replace(/\{\s*…\s*\}/g, '{"…":"…"}');
  try {
    return { pattern: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: `the answer shown is not JSON with … placeholders: ${(err as Error).message}` };
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Where `actual` differs from `pattern` (see `answerPattern`); empty when it matches. */
export function shapeProblems(actual: unknown, pattern: unknown, path = '$'): string[] {
  if (typeof pattern === 'string' && (pattern.includes('…') || /<[A-Za-z][\w-]*>/.test(pattern))) {
    if (typeof actual !== 'string') return [`${path}: a string was shown, got ${kind(actual)}`];
    if (pattern.includes('…')) return [];
    const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[A-Za-z][\w-]*>/g, '.+');
    return new RegExp(`^${escaped}$`).test(actual)
      ? []
      : [`${path}: ${JSON.stringify(actual)} is not ${pattern}`];
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${path}: an array was shown, got ${kind(actual)}`];
    if (actual.length !== pattern.length)
      return [`${path}: ${pattern.length} element(s) shown, got ${actual.length}`];
    return pattern.flatMap((p, i) => shapeProblems(actual[i], p, `${path}[${i}]`));
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (kind(actual) !== 'object') return [`${path}: an object was shown, got ${kind(actual)}`];
    const shown = pattern as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    const open = '…' in shown;
    const problems: string[] = [];
    for (const key of Object.keys(shown)) {
      if (key === '…') continue;
      if (!(key in got)) problems.push(`${path}.${key}: shown but absent`);
      else problems.push(...shapeProblems(got[key], shown[key], `${path}.${key}`));
    }
    if (!open)
      for (const key of Object.keys(got))
        if (!(key in shown)) problems.push(`${path}.${key}: answered but not shown (show it, or add …)`);
    return problems;
  }
  return Object.is(actual, pattern)
    ? []
    : [`${path}: ${JSON.stringify(pattern)} shown, got ${JSON.stringify(actual)}`];
}
