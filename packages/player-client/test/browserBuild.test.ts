import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('player-client as published, for browsers', function () {
  this.timeout(120_000);

  it('builds from sources that type-check with the DOM library and no Node.js types, importing no node: module', async () => {
    // tsconfig.build.json: lib es2024 + dom, types [] — a Node-only API would not compile.
    await run(process.execPath, [`${root}scripts/client/buildPackage.ts`, 'packages/player-client'], {
      cwd: root,
    });
    const dist = `${packageDir}dist/`;
    const files = (await readdir(dist)).filter((f) => f.endsWith('.js'));
    assert.ok(files.includes('index.js') && files.includes('session.js'));
    for (const file of files) {
      const js = await readFile(`${dist}${file}`, 'utf8');
      assert.doesNotMatch(js, /from ['"]node:|require\(/, `${file} imports nothing of Node.js`);
      assert.doesNotMatch(js, /from ['"]\.[^'"]*\.ts['"]/, `${file} imports .js files`);
    }
    const manifest = JSON.parse(await readFile(`${dist}package.json`, 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    assert.deepEqual(manifest.peerDependencies, { pubnub: '>=8' });
    const built = (await import(`${dist}index.js`)) as { joinGame?: unknown };
    assert.equal(typeof built.joinGame, 'function');
  });
});
