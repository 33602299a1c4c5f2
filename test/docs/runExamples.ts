// Runs the examples of one doc against the example stack: curl and psql
// commands through bash (with the variables the doc's earlier commands set),
// ts/js blocks with node, json/yaml blocks parsed; every other command must
// be exempted (exemptions.ts) and is checked without running it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { staticProblems } from './commandChecks.ts';
import type { ExampleStack } from './exampleStack.ts';
import { sqlBlocksRunBy, type Exemption } from './exemptions.ts';
import {
  answerPattern,
  codeBlocks,
  commandList,
  fillPlaceholders,
  localPorts,
  rewriteLocalUrls,
  shapeProblems,
  shellCommands,
  simpleCommand,
  withoutAssignments,
  type Expectation,
} from './markdownExamples.ts';

const run = promisify(execFile);

export interface DocContext {
  root: string;
  stack: ExampleStack;
  exemptions: readonly Exemption[];
  /** Source text of the code, for the variables a command names. */
  sources: string;
}

export interface DocResult {
  problems: string[];
  /** Commands and blocks run, for the report. */
  ran: number;
  /** Exemption prefixes that matched a command of this doc. */
  used: Set<string>;
}

const shellLangs = new Set(['sh', 'bash', 'shell', 'console']);
const scriptLangs = new Set(['ts', 'typescript', 'js', 'javascript']);

/** The exemption prefix that `command` of `file` matches, if any. */
export function exemptionFor(
  file: string,
  command: string,
  exemptions: readonly Exemption[],
): string | undefined {
  const bare = withoutAssignments(command);
  return exemptions
    .filter((e) => e.files.includes(file))
    .flatMap((e) => e.prefixes)
    .find((p) => bare === p || bare.startsWith(`${p} `));
}

interface Shell {
  env: Record<string, string>;
  tmp: string;
}

async function bash(
  shell: Shell,
  script: string,
  timeoutMs = 30_000,
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], {
      env: shell.env,
      cwd: shell.env['PWD'],
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      out: e.stdout ?? '',
      err: e.stderr ?? e.message,
    };
  }
}

function expectationProblems(status: number, bodyText: string, expectation: Expectation | null): string[] {
  let body: unknown = bodyText;
  try {
    body = JSON.parse(bodyText) as unknown;
  } catch {
    // not JSON: compared as text
  }
  const answer = `${status} ${bodyText.slice(0, 300)}`;
  if (expectation === null)
    return status >= 200 && status < 300 ? [] : [`answered ${answer}, a 2xx expected`];
  if (status !== expectation.status) return [`answered ${answer}, ${expectation.status} shown`];
  if (expectation.body === null) return [];
  const shown = answerPattern(expectation.body);
  if ('error' in shown) return [shown.error];
  return shapeProblems(body, shown.pattern).map((p) => `${p} (answered ${answer})`);
}

async function runCurl(
  shell: Shell,
  command: string,
  expectation: Expectation | null,
  stack: ExampleStack,
): Promise<string[]> {
  const unknown = localPorts(command).filter((port) => !stack.bases.has(port));
  if (unknown.length > 0)
    return [`no test server for port ${unknown.join(', ')}: start one in test/docs/exampleStack.ts`];
  const text = fillPlaceholders(rewriteLocalUrls(command, stack.bases), stack.placeholders);
  const bodyFile = join(shell.tmp, 'body');
  rmSync(bodyFile, { force: true });
  const result = await bash(shell, `${text} --max-time 20 -o '${bodyFile}' -w '%{http_code}'`);
  if (result.code !== 0) return [`curl exited ${result.code}: ${result.err.trim()}`];
  let bodyText = '';
  try {
    bodyText = readFileSync(bodyFile, 'utf8');
  } catch {
    // no body
  }
  return expectationProblems(Number(result.out.trim()), bodyText, expectation);
}

/** Runs `NAME=value …` alone (e.g. `GAME=$(psql …)`) and keeps the values for the doc's later commands. */
async function runAssignments(shell: Shell, command: string, names: string[]): Promise<string[]> {
  const print = names.map((n) => `"$${n}"`).join(' ');
  const result = await bash(shell, `${command}\nprintf '%s\\0' ${print}`);
  if (result.code !== 0) return [`exited ${result.code}: ${result.err.trim()}`];
  const values = result.out.split('\0');
  names.forEach((name, i) => {
    shell.env[name] = values[i] ?? '';
  });
  return [];
}

async function runScript(
  shell: Shell,
  text: string,
  lang: string,
  name: string,
  stack: ExampleStack,
): Promise<string[]> {
  const unknown = localPorts(text).filter((port) => !stack.bases.has(port));
  if (unknown.length > 0)
    return [`no test server for port ${unknown.join(', ')}: start one in test/docs/exampleStack.ts`];
  const source = fillPlaceholders(rewriteLocalUrls(text, stack.bases), stack.placeholders);
  // Under the repository (in the ignored .local/), so that imports of the
  // workspaces and their dependencies resolve as in a game backend's project.
  const dir = join(shell.env['PWD'] ?? '.', '.local', 'docs-examples');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.${lang.startsWith('t') ? 'ts' : 'mjs'}`);
  writeFileSync(file, source);
  try {
    await run(process.execPath, [file], { env: shell.env, cwd: shell.env['PWD'], timeout: 30_000 });
    return [];
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return [`node failed: ${`${e.message}\n${e.stderr ?? ''}`.trim().split('\n').slice(0, 12).join('\n')}`];
  } finally {
    rmSync(file, { force: true });
  }
}

/** Runs or checks every example of `file` (relative to the root). */
export async function runDoc(file: string, context: DocContext): Promise<DocResult> {
  const { root } = context;
  const stack: ExampleStack = { ...context.stack, bases: context.stack.basesFor(file) };
  const markdown = readFileSync(join(root, file), 'utf8');
  mkdirSync(join(root, '.local'), { recursive: true });
  const tmp = mkdtempSync(join(root, '.local', 'docs-curl-'));
  const shell: Shell = {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      PWD: root,
      DATABASE_URL: stack.databaseUrl,
      LOG_LEVEL: 'warn',
    },
    tmp,
  };
  const result: DocResult = { problems: [], ran: 0, used: new Set() };
  try {
    for (const block of codeBlocks(markdown)) {
      const where = `${file}:${block.line}`;
      const report = (problems: string[], what: string): void => {
        for (const p of problems) result.problems.push(`${where} ${what}: ${p}`);
      };
      if (block.lang === 'text') continue;
      if (block.lang === '') {
        report(
          [
            'a fence without a language: sh/bash/console (run), ts/js (run), json/yaml (parsed), text (output, diagrams)',
          ],
          'block',
        );
      } else if (block.lang === 'sql') {
        // Run against a real PostgreSQL by the test named in sqlBlocksRunBy, which reads this doc.
        const runner = sqlBlocksRunBy[file];
        if (runner === undefined)
          report(
            ["no test runs this doc's sql blocks: name one in sqlBlocksRunBy (test/docs/exemptions.ts)"],
            'block',
          );
        else if (!readFileSync(join(root, runner), 'utf8').includes(file))
          report([`${runner} does not read ${file}`], 'block');
        else result.ran += 1;
      } else if (block.lang === 'json') {
        try {
          JSON.parse(block.text);
          result.ran += 1;
        } catch (err) {
          report([(err as Error).message], 'json');
        }
      } else if (block.lang === 'yaml' || block.lang === 'yml') {
        try {
          parseYaml(block.text);
          result.ran += 1;
        } catch (err) {
          report([(err as Error).message], 'yaml');
        }
      } else if (scriptLangs.has(block.lang)) {
        const name = `${file.replace(/[^\w]+/g, '-')}-${block.line}`;
        report(await runScript(shell, block.text, block.lang, name, stack), `${block.lang} block`);
        result.ran += 1;
      } else if (shellLangs.has(block.lang)) {
        for (const { text: line, expectation } of shellCommands(block.text, block.lang)) {
          const parts = commandList(line);
          for (const [i, command] of parts.entries()) {
            const { assignments, words } = simpleCommand(command);
            const expected = i === parts.length - 1 ? expectation : null;
            const what = `\`${command.slice(0, 80)}\``;
            if (words.length === 0 && assignments.length > 0) {
              report(
                await runAssignments(
                  shell,
                  command,
                  assignments.map((a) => a.name),
                ),
                what,
              );
              result.ran += 1;
            } else if (words[0] === 'curl' && localPorts(command).length > 0) {
              report(await runCurl(shell, command, expected, stack), what);
              result.ran += 1;
            } else if (words[0] === 'psql') {
              const psql = await bash(shell, command);
              report(psql.code === 0 ? [] : [`exited ${psql.code}: ${psql.err.trim()}`], what);
              result.ran += 1;
            } else {
              const exemption = exemptionFor(file, command, context.exemptions);
              if (exemption === undefined)
                report(
                  [
                    'neither run nor exempted: make it a curl against the stack, or add it to test/docs/exemptions.ts with a reason',
                  ],
                  what,
                );
              else result.used.add(exemption);
              report(staticProblems(command, root, context.sources), what);
            }
          }
        }
      } else {
        report(
          [
            `no runner for \`${block.lang}\` blocks: use sh, ts, json, yaml or text (or add one in test/docs/runExamples.ts)`,
          ],
          'block',
        );
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}
