// The package as published (built into packages/client/dist, packed by npm
// from there), installed into a fresh directory,
// type-checked by a strict consumer without this repository's TS settings,
// and its README example run from there against a real broadcaster.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { apiToken, createGames, startTestBroadcaster } from '@sketchyaf/broadcaster/testing';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const exampleFile = path.join(packageDir, 'examples/postEvents.ts');

/** The ```ts blocks of a markdown text, under `heading` when given. */
function tsBlocks(markdown: string, heading?: string): string[] {
  let text = markdown;
  if (heading !== undefined) {
    const start = markdown.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `no section ${heading}`);
    const next = markdown.indexOf('\n## ', start + heading.length + 2);
    text = markdown.slice(start, next < 0 ? undefined : next);
  }
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

describe('client package', function () {
  this.timeout(120_000);

  it('the READMEs show the example file, byte for byte', async () => {
    const example = await readFile(exampleFile, 'utf8');
    const root = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    assert.deepEqual(tsBlocks(root, '## Posting events from a game backend'), [example]);
    const own = await readFile(path.join(packageDir, 'README.md'), 'utf8');
    assert.deepEqual(tsBlocks(own), [example]);
  });

  describe('packed, installed and used', () => {
    let work: string;
    let db: TestDatabase;
    let pubnub: PubnubLocalHandle;
    let broadcaster: BroadcasterService;
    /** The packed tarball's file list. */
    let files: string[] = [];

    before(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'realtime-client-'));
      await run('npm', ['run', 'build'], { cwd: packageDir });
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: path.join(packageDir, 'dist'),
      });
      const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
      const installed = path.join(work, 'node_modules/@sketchyaf/realtime-client');
      await mkdir(installed, { recursive: true });
      await run('tar', ['-xzf', path.join(work, packed.filename), '-C', installed, '--strip-components=1']);
      await writeFile(path.join(work, 'package.json'), '{ "type": "module", "private": true }\n');
      await cp(exampleFile, path.join(work, 'postEvents.ts'));
      files = packed.files.map((f) => f.path).sort();

      db = await createTestDatabase();
      pubnub = await startPubnubLocal({ port: 0 });
      broadcaster = await startTestBroadcaster(db.url, pubnub);
    });
    after(async () => {
      await broadcaster?.stop();
      await pubnub?.stop();
      await db?.drop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('holds JavaScript, declarations, the README and a manifest without the private flag, nothing else', async () => {
      const manifest = JSON.parse(
        await readFile(path.join(work, 'node_modules/@sketchyaf/realtime-client/package.json'), 'utf8'),
      ) as {
        private?: unknown;
        exports: { '.': { types: string; default: string } };
        dependencies?: unknown;
        engines: unknown;
      };
      assert.equal(manifest.private, undefined, 'publishable');
      assert.deepEqual(manifest.engines, { node: '>=20.3' });
      assert.ok(files.includes('README.md') && files.includes('package.json'));
      const rest = files.filter((f) => f !== 'README.md' && f !== 'package.json');
      assert.ok(
        rest.every((f) => /^\w+\.(js|d\.ts)$/.test(f)),
        rest.join(' '),
      );
      assert.ok(rest.includes('client.js') && rest.includes('client.d.ts') && rest.includes('events.d.ts'));
      for (const entry of [manifest.exports['.'].types, manifest.exports['.'].default])
        assert.ok(files.includes(entry.replace(/^\.\//, '')), entry);
      assert.equal(manifest.dependencies, undefined, 'no runtime dependencies');
    });

    it("type-checks the example in a strict consumer with default TS settings (the package's .d.ts too)", async () => {
      await writeFile(
        path.join(work, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
            typeRoots: [path.join(repoRoot, 'node_modules/@types')],
          },
          files: ['postEvents.ts'],
        }),
      );
      const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
      await run(process.execPath, [tsc, '-p', work]).catch((err: unknown) => {
        const e = err as { stdout?: string };
        assert.fail(`tsc failed:\n${e.stdout ?? String(err)}`);
      });
    });

    it('runs the example against a real broadcaster', async () => {
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      const [game = ''] = await createGames(pool, 1);
      const { stdout } = await run(process.execPath, ['postEvents.ts'], {
        cwd: work,
        env: {
          ...process.env,
          BROADCASTER_URL: broadcaster.url,
          BROADCAST_API_TOKEN: apiToken,
          GAME_ID: game,
        },
      });
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_outbox WHERE game_id = $1',
        [game],
      );
      await pool.end();
      const lines = stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, 3), [
        `player_joined #1 on game.${game}`,
        '#2 published, #3 published',
        'replayed: true, same event: true',
      ]);
      assert.match(lines[3] ?? '', /^400 validation_failed: \[\{"path":"data\.round"/);
      assert.equal(lines.length, 4);
      assert.equal(rows[0]?.n, 3, 'the invalid vote wrote nothing');
    });
  });
});
