import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const mocha = fileURLToPath(new URL('../../../node_modules/mocha/bin/mocha.js', import.meta.url));

describe('leak check (root hooks of the test kit)', function () {
  this.timeout(60_000);

  it('fails the suite of a test that left a timer or a pool running, naming the test and the leak', async () => {
    const args = [
      mocha,
      '--no-config',
      '--require',
      'packages/testkit/src/leakCheck.ts',
      'packages/testkit/test/fixtures/leakingSpec.ts',
    ];
    const outcome = await run(process.execPath, args, { cwd: root, timeout: 30_000 }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (err: unknown) => err as { code: number; stdout: string; killed?: boolean },
    );
    assert.equal(
      outcome.code,
      1,
      `one failure, and the leaked interval did not hang the run:\n${outcome.stdout}`,
    );
    assert.match(outcome.stdout, /4 passing/);
    assert.match(
      outcome.stdout,
      /leak check: "a suite whose tests leak leaks an interval" left running: setInterval created at packages\/testkit\/test\/fixtures\/leakingSpec\.ts:6:5; "a suite whose tests leak leaks a database pool" left running: database pool leaky-pool\n/,
    );
    assert.doesNotMatch(
      outcome.stdout,
      /cleans up after itself" left running|starts an interval the after hook clears" left/,
    );
  });
});
