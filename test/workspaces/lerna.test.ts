// lerna works the workspaces: `npm run test:workspaces` (lerna run test),
// `lerna run build` and `npm run release:version` (lerna version) for the
// packages published outside this repository. Offline, as CI runs it.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readWorkspaces, type Workspace } from '../../scripts/workspaces/workspaces.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const lerna = join(root, 'node_modules/lerna/dist/cli.js');
/** Published outside this repository, so versioned by lerna; every other workspace is private. */
const publishable = ['@sketchyaf/cli', '@sketchyaf/realtime-client', '@sketchyaf/player-client'];
// lerna and the scripts it starts (npm run …) need this repository's Node, first on PATH.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}:${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
};

interface Listed {
  name: string;
  version: string;
  private: boolean;
  location: string;
}

async function lernaIn(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [lerna, ...args, '--loglevel', 'silent'], { cwd, env });
  return stdout;
}

describe('lerna', function () {
  this.timeout(120_000);
  let workspaces: Workspace[] = [];
  before(async () => {
    workspaces = (await readWorkspaces(root)).filter((w) => w.dir !== '');
  });

  it('lists every workspace of package.json (lerna list --all --json)', async () => {
    const listed = JSON.parse(await lernaIn(root, ['list', '--all', '--json'])) as Listed[];
    assert.deepEqual(listed.map((p) => p.location).sort(), workspaces.map((w) => join(root, w.dir)).sort());
    assert.ok(listed.some((p) => p.name === '@sketchyaf/testkit'));
  });

  it('marks exactly the publishable workspaces public, so lerna version (private: false) takes only them', async () => {
    const config = JSON.parse(await readFile(join(root, 'lerna.json'), 'utf8')) as {
      command?: { version?: { private?: boolean } };
    };
    assert.equal(config.command?.version?.private, false, 'lerna.json: command.version.private');
    const listed = JSON.parse(await lernaIn(root, ['list', '--json'])) as Listed[];
    const present = workspaces.map((w) => w.manifest.name).filter((name) => publishable.includes(name));
    assert.deepEqual(
      listed.map((p) => p.name).sort(),
      present.sort(),
      'remove "private": true from exactly these',
    );
    assert.ok(present.includes('@sketchyaf/cli') && present.includes('@sketchyaf/realtime-client'));
  });

  it('bumps the publishable packages and the lockfile, nothing else (lerna version patch in a scratch repository)', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'sketchyaf-lerna-'));
    try {
      for (const file of ['lerna.json', 'package.json', 'package-lock.json'])
        await cp(join(root, file), join(scratch, file));
      for (const { dir } of workspaces) {
        await mkdir(join(scratch, dir), { recursive: true });
        await cp(join(root, dir, 'package.json'), join(scratch, dir, 'package.json'));
      }
      await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'));
      const git = (...args: string[]) =>
        run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
          cwd: scratch,
        });
      await git('init', '--quiet', '--initial-branch=main');
      await git('add', '.');
      await git('commit', '--quiet', '-m', 'scratch');
      await lernaIn(scratch, ['version', 'patch', '--yes', '--no-git-tag-version', '--no-push']);
      const { stdout } = await git('status', '--porcelain');
      const changed = stdout
        .split('\n')
        .filter((l) => l.startsWith(' M '))
        .map((l) => l.slice(3));
      const publishedDirs = workspaces.filter((w) => publishable.includes(w.manifest.name)).map((w) => w.dir);
      assert.deepEqual(
        changed.sort(),
        ['package-lock.json', ...publishedDirs.map((d) => `${d}/package.json`)].sort(),
      );
      for (const dir of publishedDirs) {
        const before = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as {
          version: string;
        };
        const after = JSON.parse(await readFile(join(scratch, dir, 'package.json'), 'utf8')) as {
          version: string;
        };
        const [major, minor, patch] = before.version.split('.').map(Number);
        assert.equal(after.version, `${major ?? 0}.${minor ?? 0}.${(patch ?? 0) + 1}`, dir);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('runs a script in the workspaces that have it (lerna run build: the client package)', async () => {
    const out = await lernaIn(root, ['run', 'build']);
    assert.match(out, /built @sketchyaf\/realtime-client@/);
    const manifest = JSON.parse(await readFile(join(root, 'packages/client/dist/package.json'), 'utf8')) as {
      name: string;
    };
    assert.equal(manifest.name, '@sketchyaf/realtime-client');
  });
});
