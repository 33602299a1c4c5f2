// The repository's static checks, run as tests so that `npm test` is the one
// command and its pass/fail count covers them too.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

async function check(command: string, args: string[]): Promise<void> {
  try {
    await run(process.execPath, [bin(command), ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('static checks', function () {
  this.timeout(300_000);

  it('type-checks (tsc, strict)', async () => {
    await check('tsc', ['-p', 'tsconfig.json']);
  });

  it('lints clean (eslint, type-aware, no warnings)', async () => {
    await check('eslint', ['--max-warnings', '0', '.']);
  });

  it('is formatted (prettier)', async () => {
    await check('prettier', ['--check', '.']);
  });
});
