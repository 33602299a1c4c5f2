// The deploy and rollback runbooks: every Helm 4 command in them uses flags
// this helm has and files this repository has (a 3 a.m. typo costs minutes).
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runHelm } from './lib/helm.ts';
import { repoRoot } from './lib/paths.ts';

const runbooks = ['runbooks/deploy.md', 'runbooks/rollback.md'];

/** Shell commands of the fenced blocks, continuations joined; blocks starting `# Helm 3` are left out. */
function helmCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .filter((b) => !b.startsWith('# Helm 3'))
    .flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('helm '));
}

describe('runbooks: deploy and rollback', function () {
  this.timeout(60_000);
  const help = new Map<string, string>();

  async function helpOf(sub: string): Promise<string> {
    let text = help.get(sub);
    if (text === undefined) {
      text = (await runHelm([sub, '--help'])).stdout;
      help.set(sub, text);
    }
    return text;
  }

  for (const runbook of runbooks) {
    it(`${runbook}: helm commands use real flags and existing files`, async () => {
      const commands = helmCommands(await readFile(join(repoRoot, runbook), 'utf8'));
      assert.ok(commands.length >= 2);
      for (const command of commands) {
        const [, sub = ''] = command.split(/\s+/);
        const text = await helpOf(sub);
        assert.match(text, /Usage:/, `helm ${sub}`);
        for (const [flag] of command.matchAll(/--[a-z-]+/g))
          assert.ok(text.includes(`${flag} `), `${command}: ${flag}`);
        for (const [path] of command.matchAll(/charts\/[\w./-]+/g))
          assert.ok(existsSync(join(repoRoot, path)), path);
      }
    });
  }

  it('deploy.md gives the Helm 4 and Helm 3 upgrade commands and the migration policy', async () => {
    const text = await readFile(join(repoRoot, 'runbooks/deploy.md'), 'utf8');
    assert.match(text, /helm upgrade --install[^`]*--rollback-on-failure --wait/);
    assert.match(text, /# Helm 3\nhelm upgrade --install[^`]*--atomic/);
    assert.match(text, /expand, then contract/i);
  });

  it('rollback.md gives history, rollback and what a rollback does not undo', async () => {
    const text = await readFile(join(repoRoot, 'runbooks/rollback.md'), 'utf8');
    for (const needle of ['helm history', 'helm rollback', 'What it does not undo', 'migrations'])
      assert.ok(text.includes(needle), needle);
  });
});
