// Prints the figures issue 18 asks to be tracked, from the source alone, so a
// before/after comparison is a re-run rather than a recollection:
//   node scripts/dev/architectureCounts.ts [--list]
// Rules (heuristic, but fixed, so two runs compare):
// - fixed sleep: an awaited `sleep(n)` / `delay(n)` / timers/promises
//   `setTimeout(n)` / `new Promise(r => setTimeout(r, n))` in a default-suite
//   test file (not test/faults), outside a loop (a wait inside a loop polls
//   for an event and ends when it happens). `n` is folded from literals and
//   same-file numeric constants; the rest are listed as unresolved.
// - clock bypass: a bare `setTimeout`/`setInterval` call, `Date.now()`,
//   `performance.now()` or `new Date()` in packages/{core,leases,control}/src or services/*/src
//   (the system clock itself excepted).
// - back-off implementation: an exponential step written out (`2 ** n`,
//   `x * 2` under `Math.min`) or a back-off preset spelt inline as an object
//   literal `{ baseMs, maxMs }` at a call site.
// - timeout implementation: a timer whose callback rejects, aborts or
//   resolves a 'timeout' outcome.
// - wake timer: a timer armed for a computed deadline (its delay subtracts
//   a `now()`).
// - periodic loop: `setInterval`, or a timer armed from inside its own
//   callback chain (delay named *interval*/*everyMs*/*period*).
// - error -> log field: a function that turns an unknown error into text or
//   fields, or an inline `instanceof Error ? x.message`.
// Hits inside core's shared primitives (backoff.ts, runtime/, logging/errorFields.ts,
// logging/errorMessage.ts) count once per kind: they are the one implementation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');
const list = process.argv.includes('--list');

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function workspaceDirs(kind: 'packages' | 'services'): string[] {
  return readdirSync(join(root, kind)).map((name) => join(root, kind, name));
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

function where(file: ts.SourceFile, node: ts.Node): string {
  const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return `${relative(root, file.fileName)}:${line + 1}`;
}

function visit(node: ts.Node, each: (n: ts.Node) => void): void {
  each(node);
  node.forEachChild((child) => {
    visit(child, each);
  });
}

function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  return undefined;
}

function insideLoop(node: ts.Node): boolean {
  for (let p = node.parent; p !== undefined; p = p.parent) {
    if (ts.isFunctionLike(p)) return false;
    if (ts.isWhileStatement(p) || ts.isDoStatement(p) || ts.isForStatement(p) || ts.isForOfStatement(p))
      return true;
  }
  return false;
}

/** Numeric constants a file declares or imports from a relative module (one hop). */
function constants(file: ts.SourceFile, followImports = true): Map<string, ts.Expression> {
  const found = new Map<string, ts.Expression>();
  visit(file, (n) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer !== undefined) {
      found.set(n.name.text, n.initializer);
    }
    if (!followImports || !ts.isImportDeclaration(n) || !ts.isStringLiteral(n.moduleSpecifier)) return;
    const spec = n.moduleSpecifier.text;
    const bindings = n.importClause?.namedBindings;
    if (!spec.startsWith('.') || bindings === undefined || !ts.isNamedImports(bindings)) return;
    let imported: Map<string, ts.Expression>;
    try {
      imported = constants(parse(resolve(dirname(file.fileName), spec)), false);
    } catch {
      return;
    }
    for (const el of bindings.elements) {
      const init = imported.get((el.propertyName ?? el.name).text);
      if (init !== undefined && !found.has(el.name.text)) found.set(el.name.text, init);
    }
  });
  return found;
}

function fold(e: ts.Expression, names: Map<string, ts.Expression>, depth = 0): number | undefined {
  if (depth > 8) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text.replaceAll('_', ''));
  if (ts.isParenthesizedExpression(e)) return fold(e.expression, names, depth + 1);
  if (ts.isIdentifier(e)) {
    const init = names.get(e.text);
    return init === undefined ? undefined : fold(init, names, depth + 1);
  }
  if (ts.isBinaryExpression(e)) {
    const a = fold(e.left, names, depth + 1);
    const b = fold(e.right, names, depth + 1);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken:
        return a * b;
      case ts.SyntaxKind.SlashToken:
        return a / b;
      case ts.SyntaxKind.PlusToken:
        return a + b;
      case ts.SyntaxKind.MinusToken:
        return a - b;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The delay of an awaited fixed sleep, or undefined when `node` is not one. */
function sleepDelay(awaited: ts.Expression): ts.Expression | undefined {
  if (ts.isCallExpression(awaited)) {
    const name = calleeName(awaited);
    // A second argument is a clock (core's sleep(ms, clock)): time the test moves, not a wait.
    if ((name === 'sleep' || name === 'delay') && awaited.arguments.length === 1) return awaited.arguments[0];
    // timers/promises' setTimeout(ms) takes the delay first.
    if (name === 'setTimeout' && awaited.arguments.length <= 2) {
      const first = awaited.arguments[0];
      if (first !== undefined && !ts.isArrowFunction(first) && !ts.isIdentifier(first)) return first;
      if (first !== undefined && ts.isIdentifier(first) && first.text !== 'resolve' && first.text !== 'r')
        return first;
    }
    return undefined;
  }
  if (
    ts.isNewExpression(awaited) &&
    ts.isIdentifier(awaited.expression) &&
    awaited.expression.text === 'Promise'
  ) {
    const executor = awaited.arguments?.[0];
    if (executor === undefined || !ts.isArrowFunction(executor)) return undefined;
    const resolve = executor.parameters[0]?.name;
    if (resolve === undefined || !ts.isIdentifier(resolve)) return undefined;
    const body = executor.body;
    const call = ts.isCallExpression(body) ? body : undefined;
    if (call === undefined || calleeName(call) !== 'setTimeout') return undefined;
    const target = call.arguments[0];
    if (target === undefined || !ts.isIdentifier(target) || target.text !== resolve.text) return undefined;
    return call.arguments[1];
  }
  return undefined;
}

interface Hit {
  at: string;
  note: string;
}

function fixedSleeps(): { totalMs: number; hits: Hit[]; unresolved: Hit[] } {
  const dirs = [
    join(root, 'test'),
    ...[...workspaceDirs('packages'), ...workspaceDirs('services')].map((d) => join(d, 'test')),
  ];
  const files = dirs.flatMap((d) => walk(d)).filter((f) => !relative(root, f).startsWith('test/faults/'));
  const hits: Hit[] = [];
  const unresolved: Hit[] = [];
  let totalMs = 0;
  for (const path of files) {
    const file = parse(path);
    const names = constants(file);
    visit(file, (n) => {
      if (!ts.isAwaitExpression(n)) return;
      const delayExpr = sleepDelay(n.expression);
      if (delayExpr === undefined || insideLoop(n)) return;
      const ms = fold(delayExpr, names);
      if (ms === undefined) unresolved.push({ at: where(file, n), note: delayExpr.getText(file) });
      else {
        totalMs += ms;
        hits.push({ at: where(file, n), note: `${ms} ms` });
      }
    });
  }
  return { totalMs, hits, unresolved };
}

function runtimeSources(): ts.SourceFile[] {
  const dirs = [
    // leases and control were part of core when the count began: counted with it so the figures compare.
    ...['core', 'leases', 'control'].map((p) => join(root, 'packages', p, 'src')),
    ...workspaceDirs('services').map((d) => join(d, 'src')),
  ];
  return dirs.flatMap((d) => walk(d)).map(parse);
}

function isTimerCall(n: ts.Node): n is ts.CallExpression {
  if (!ts.isCallExpression(n)) return false;
  const e = n.expression;
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
  return name === 'setTimeout' || name === 'setInterval';
}

function mentions(node: ts.Node | undefined, file: ts.SourceFile, pattern: RegExp): boolean {
  return node !== undefined && pattern.test(node.getText(file));
}

/** A timer whose callback calls the function that armed it: a hand-written periodic loop. */
function rearmsItself(call: ts.CallExpression, file: ts.SourceFile): boolean {
  for (let p = call.parent; p !== undefined; p = p.parent) {
    if ((ts.isMethodDeclaration(p) || ts.isFunctionDeclaration(p)) && p.name !== undefined) {
      const name = p.name.getText(file);
      return mentions(call.arguments[0], file, new RegExp(`${name.replace('#', '#?')}\\(`));
    }
  }
  return false;
}

function runtimeCounts(files: ts.SourceFile[]): Record<string, Hit[]> {
  const out: Record<string, Hit[]> = {
    clockBypasses: [],
    backoffs: [],
    timeouts: [],
    wakeTimers: [],
    periodicLoops: [],
    errorToLogField: [],
  };
  const add = (key: string, file: ts.SourceFile, n: ts.Node): void => {
    out[key]?.push({ at: where(file, n), note: n.getText(file).split('\n')[0]?.slice(0, 90) ?? '' });
  };
  for (const file of files) {
    const isSystemClock = relative(root, file.fileName) === 'packages/core/src/clock.ts';
    visit(file, (n) => {
      if (!isSystemClock) {
        if (
          ts.isCallExpression(n) &&
          ts.isIdentifier(n.expression) &&
          /^set(Timeout|Interval)$/.test(n.expression.text)
        ) {
          add('clockBypasses', file, n);
        }
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
          const text = n.expression.getText(file);
          if (text === 'Date.now' || text === 'performance.now') add('clockBypasses', file, n);
        }
        if (
          ts.isNewExpression(n) &&
          n.expression.getText(file) === 'Date' &&
          (n.arguments?.length ?? 0) === 0
        ) {
          add('clockBypasses', file, n);
        }
      }
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.AsteriskAsteriskToken &&
        n.left.getText(file) === '2'
      ) {
        add('backoffs', file, n);
      }
      if (
        ts.isCallExpression(n) &&
        n.expression.getText(file) === 'Math.min' &&
        n.arguments.some(
          (a) =>
            ts.isBinaryExpression(a) &&
            a.operatorToken.kind === ts.SyntaxKind.AsteriskToken &&
            a.right.getText(file) === '2',
        )
      ) {
        add('backoffs', file, n);
      }
      if (
        ts.isObjectLiteralExpression(n) &&
        n.properties.length === 2 &&
        n.properties.every((p) => p.name !== undefined && /^(baseMs|maxMs)$/.test(p.name.getText(file))) &&
        n.properties.every((p) => ts.isPropertyAssignment(p) && ts.isNumericLiteral(p.initializer)) &&
        ts.isCallExpression(n.parent)
      ) {
        add('backoffs', file, n);
      }
      if (isTimerCall(n)) {
        const [callback, delayArg] = n.arguments;
        if (mentions(callback, file, /\breject\(|\.abort\(|'timeout'/)) add('timeouts', file, n);
        else if (
          mentions(delayArg, file, /-\s*[\w.#]*\.?(now|monotonic)\(\)|-\s*now\b/) ||
          file.fileName.endsWith('runtime/wakeTimer.ts')
        )
          add('wakeTimers', file, n);
        else if (
          n.expression.getText(file).endsWith('setInterval') ||
          mentions(delayArg, file, /interval|everyMs|period|resync/i) ||
          rearmsItself(n, file)
        ) {
          add('periodicLoops', file, n);
        }
      }
      if (
        ts.isFunctionDeclaration(n) &&
        n.name !== undefined &&
        /^(errorFields|describeError|errorMessage|errorText)$/.test(n.name.text)
      ) {
        add('errorToLogField', file, n);
      }
      if (
        ts.isConditionalExpression(n) &&
        /instanceof Error$/.test(n.condition.getText(file)) &&
        /^[\w.]+\.message$/.test(n.whenTrue.getText(file))
      ) {
        add('errorToLogField', file, n);
      }
    });
  }
  return out;
}

const shared = /^packages\/core\/src\/(backoff\.ts|runtime\/|logging\/error(Fields|Message)\.ts)/;

/** One hit per kind for the shared primitives, however many lines they have. */
function collapseShared(all: Record<string, Hit[]>): Record<string, Hit[]> {
  return Object.fromEntries(
    Object.entries(all).map(([key, hits]) => {
      const inShared = hits.filter((h) => shared.test(h.at));
      const rest = hits.filter((h) => !shared.test(h.at));
      const one = inShared[0];
      return [
        key,
        one === undefined
          ? rest
          : [{ at: one.at, note: `shared primitive (${inShared.length} lines)` }, ...rest],
      ];
    }),
  );
}

const sleeps = fixedSleeps();
const counts = collapseShared(runtimeCounts(runtimeSources()));
console.log(
  `fixed sleeps in the default suite: ${sleeps.hits.length} totalling ${sleeps.totalMs} ms` +
    (sleeps.unresolved.length > 0 ? ` (+${sleeps.unresolved.length} unresolved)` : ''),
);
for (const [key, hits] of Object.entries(counts)) console.log(`${key}: ${hits.length}`);
if (list) {
  for (const h of [...sleeps.hits, ...sleeps.unresolved]) console.log(`  sleep ${h.at} ${h.note}`);
  for (const [key, hits] of Object.entries(counts))
    for (const h of hits) console.log(`  ${key} ${h.at} ${h.note}`);
}
