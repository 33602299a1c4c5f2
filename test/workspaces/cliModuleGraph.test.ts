// The operator CLI runs in every pod (kubectl exec) and on laptops: it must
// not load the service kit's server side. Recorded from a real run, so
// dynamic imports and CommonJS requires count as well as static imports.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const recorder = fileURLToPath(new URL('./moduleRecorder.ts', import.meta.url));
/** What the CLI must not load: the HTTP server, the database driver, Redis, the logger. */
const serverSide = /\/node_modules\/(express|pg|ioredis|winston)\//;

describe('the CLI module graph', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-cli-graph-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Every module URL a node process with `args` resolves. */
  async function modulesOf(name: string, args: string[]): Promise<string[]> {
    const log = join(dir, `${name}.json`);
    await run(process.execPath, ['--import', recorder, ...args], {
      cwd: root,
      env: { ...process.env, MODULE_LOG: log },
    });
    return JSON.parse(await readFile(log, 'utf8')) as string[];
  }

  it('sees express and pg when the service kit is loaded (the recorder works)', async () => {
    const modules = await modulesOf('core', [
      '--input-type=module',
      '-e',
      "await import('@sketchyaf/core');",
    ]);
    assert.ok(modules.some((m) => m.includes('/node_modules/express/')));
    assert.ok(modules.some((m) => m.includes('/node_modules/pg/')));
  });

  it('holds neither express, pg, ioredis nor winston when editing a control file through the bin', async () => {
    const file = join(dir, 'control.yaml');
    const bin = 'packages/cli/bin/sketchyaf-realtime.ts';
    const modules = await modulesOf('bin', [bin, 'control', 'pause', 'timers', '--file', file, '--no-wait']);
    assert.match(await readFile(file, 'utf8'), /timers: paused/, 'the command did its work');
    assert.ok(modules.some((m) => m.endsWith('/packages/control/src/controlSpec.ts')));
    assert.ok(modules.some((m) => m.includes('/node_modules/yaml/')));
    assert.deepEqual(
      modules.filter((m) => serverSide.test(m) || m.endsWith('/packages/core/src/index.ts')),
      [],
    );
  });

  it('holds none of them with the Kubernetes target and the package entry loaded either', async () => {
    const modules = await modulesOf('kubernetes', [
      '--input-type=module',
      '-e',
      "await import('@sketchyaf/cli'); await import('./packages/cli/src/kubernetesTarget.ts');",
    ]);
    assert.ok(modules.some((m) => m.includes('/node_modules/@kubernetes/client-node/')));
    assert.deepEqual(
      modules.filter((m) => serverSide.test(m) || m.endsWith('/packages/core/src/index.ts')),
      [],
    );
  });
});
