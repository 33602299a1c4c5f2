// Acceptance 4 (first half): runbooks/rollback.md has the partial-rollback
// commands, and every one of them is a valid command line of the CLI.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { parseArgs } from '@sketchyaf/cli';

const runbooks = ['runbooks/rollback.md', 'runbooks/incident-response.md'];

function cliLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim().replace(/\s+#.*$/, ''))
    .filter((line) => line.startsWith('npx sketchyaf-realtime '))
    .map((line) =>
      (line.slice('npx sketchyaf-realtime '.length).match(/"[^"]*"|\S+/g) ?? []).map((a) =>
        a.replace(/^"|"$/g, ''),
      ),
    );
}

describe('runbooks: runtime control commands', () => {
  it('rollback.md pauses and resumes broadcasting, timers and ingest, sets relay limits, shows status', async () => {
    const lines = cliLines(await readFile('runbooks/rollback.md', 'utf8')).map((a) =>
      a.slice(0, 3).join(' '),
    );
    for (const expected of [
      'control pause broadcasting',
      'control resume broadcasting',
      'control pause timers',
      'control resume timers',
      'control set relay.concurrency',
      'control set relay.publishRatePerSecond',
      'control pause ingest',
      'control status --context',
    ])
      assert.ok(
        lines.some((l) => l.startsWith(expected)),
        `rollback.md lacks "${expected}"`,
      );
  });

  for (const file of runbooks) {
    it(`${file}: every sketchyaf-realtime command parses`, async () => {
      const commands = cliLines(await readFile(file, 'utf8'));
      assert.ok(commands.length > 0);
      for (const args of commands) {
        const command = parseArgs(args, {});
        assert.notEqual(command.kind, 'help', args.join(' '));
      }
    });
  }
});
