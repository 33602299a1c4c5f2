// What can be checked of a command without running it: the npm script, the
// CLI, the paths and the environment variables it names exist.
import { execFileSync } from 'node:child_process';
import { existsSync, globSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleCommand, unquote } from './markdownExamples.ts';

/** Source text of the code that reads the environment (for "is this variable read?"). */
export function sourceText(root: string): string {
  const dirs = ['packages', 'services', 'bench', 'load-tests', 'scripts'];
  const parts: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|cjs|mjs|sh)$/.test(entry.name)) parts.push(readFileSync(path, 'utf8'));
    }
  };
  for (const dir of dirs) if (existsSync(join(root, dir))) walk(join(root, dir));
  return parts.join('\n');
}

function packageScripts(root: string, workspace: string): Record<string, string> | null {
  const file = join(root, workspace, 'package.json');
  if (!existsSync(file)) return null;
  const json = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
  return json.scripts ?? {};
}

function npmProblems(words: string[], root: string): string[] {
  let workspace = '.';
  const rest: string[] = [];
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (word === '--') break;
    if (word === '--workspace' || word === '-w') {
      workspace = words[i + 1] ?? '';
      i += 1;
    } else if (word.startsWith('--workspace=')) workspace = word.slice('--workspace='.length);
    else if (!word.startsWith('-')) rest.push(word);
  }
  const [verb, script] = rest;
  const name = verb === 'run' || verb === 'run-script' ? script : verb;
  if (name === undefined || ['ci', 'install', 'exec'].includes(name)) return [];
  const scripts = packageScripts(root, workspace);
  if (scripts === null) return [`no package.json in ${workspace}`];
  return name in scripts ? [] : [`no script "${name}" in ${join(workspace, 'package.json')}`];
}

/** `npx <bin> <sub> <subsub>`: the bin is installed; a CLI of this repository names the subcommand in --help. */
function npxProblems(words: string[], root: string): string[] {
  const bin = words[1];
  if (bin === undefined || bin.startsWith('-')) return [];
  const link = join(root, 'node_modules', '.bin', bin);
  if (!existsSync(link)) return [`npx ${bin}: not installed in node_modules/.bin`];
  const target = realpathSync(link);
  if (target.includes('/node_modules/')) return [];
  const sub: string[] = [];
  for (const word of words.slice(2)) {
    if (word.startsWith('-') || !/^[\w:.-]+$/.test(word)) break;
    sub.push(word);
  }
  if (sub.length === 0) return [];
  const helpArgs = sub.length >= 2 ? [sub[0] ?? '', '--help'] : ['--help'];
  const wanted = sub.length >= 2 ? (sub[1] ?? '') : (sub[0] ?? '');
  let help: string;
  try {
    help = execFileSync(process.execPath, [target, ...helpArgs], {
      cwd: root,
      encoding: 'utf8',
      timeout: 15_000,
    });
  } catch (err) {
    return [`${bin} ${helpArgs.join(' ')} failed: ${(err as Error).message}`];
  }
  return new RegExp(`\\b${wanted}\\b`).test(help)
    ? []
    : [`${bin} ${helpArgs.join(' ')} does not name "${wanted}"`];
}

/** Words that name a file of the repository (`dir/…`, first segment a top-level entry) must exist. */
function pathProblems(words: string[], root: string): string[] {
  const problems: string[] = [];
  for (const [i, word] of words.map(unquote).entries()) {
    if (!/^(?:\.\/)?[\w.-]+\/[\w./*{},-]*$/.test(word)) continue;
    const path = word.replace(/^\.\//, '');
    if (!existsSync(join(root, path.split('/')[0] ?? ''))) continue;
    const glob = /[*{]/.test(path);
    if (!(glob ? globSync(path, { cwd: root }).length > 0 : existsSync(join(root, path))))
      problems.push(`${word}: no such file`);
    else if (i === 0 && !glob && (statSync(join(root, path)).mode & 0o111) === 0)
      problems.push(`${word}: not executable`);
  }
  return problems;
}

/** Problems of a command that is not run (empty when what can be checked holds). */
export function staticProblems(command: string, root: string, sources: string): string[] {
  const { assignments, words } = simpleCommand(command);
  const problems = assignments
    .filter(({ name }) => !new RegExp(`\\b${name}\\b`).test(sources))
    .map(({ name }) => `${name}: no code reads this variable`);
  if (words[0] === 'npm') problems.push(...npmProblems(words, root));
  if (words[0] === 'npx') problems.push(...npxProblems(words, root));
  problems.push(...pathProblems(words, root));
  return problems;
}
