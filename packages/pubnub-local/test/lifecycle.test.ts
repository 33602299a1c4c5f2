import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { InvalidOptionsError, startPubnubLocal } from '../src/index.ts';
import { eventually, withTimeout } from './helpers.ts';

const binPath = fileURLToPath(new URL('../bin/pubnub-local.ts', import.meta.url));

describe('pubnub-local lifecycle', function () {
  it('stop() ends open long-polls and keep-alive sockets promptly, and is safe to call twice', async function () {
    const handle = await startPubnubLocal({ port: 0 });
    const agent = new http.Agent({ keepAlive: true });
    try {
      // One idle keep-alive socket and one parked long-poll.
      await new Promise<void>((resolve, reject) => {
        http
          .get(`${handle.url}/time/0`, { agent }, (res) => res.resume().on('end', resolve))
          .on('error', reject);
      });
      const poll = new Promise<string>((resolve) => {
        http
          .get(`${handle.url}/v2/subscribe/sub-c-local/c/0?tt=1${'0'.repeat(16)}`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve('answered'));
            res.on('error', () => resolve('closed'));
          })
          .on('error', () => resolve('closed'));
      });
      await eventually(() => handle.stats().openLongPolls === 1, 'the long-poll to park');

      const started = performance.now();
      await withTimeout(Promise.all([handle.stop(), handle.stop()]), 2000, 'stop()');
      assert.ok(performance.now() - started < 1000);
      assert.equal(await poll, 'closed');
      await handle.stop();
      await assert.rejects(fetch(`${handle.url}/time/0`));
    } finally {
      agent.destroy();
    }
  });

  it('rejects invalid options, naming every problem', async function () {
    await assert.rejects(
      startPubnubLocal({ port: -1, publishKeys: [], faults: { errorRate: 3 }, secretKey: '' }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidOptionsError);
        assert.equal(error.problems.length, 4);
        return true;
      },
    );
  });

  it('accepts a configured list of keys and refuses the defaults then', async function () {
    const handle = await startPubnubLocal({
      port: 0,
      publishKeys: ['pub-a', 'pub-b'],
      subscribeKeys: ['sub-a'],
    });
    try {
      const ok = await fetch(`${handle.url}/publish/pub-b/sub-a/0/c/0/1`);
      assert.equal(ok.status, 200);
      const refused = await fetch(`${handle.url}/publish/pub-c-local/sub-c-local/0/c/0/1`);
      assert.equal(refused.status, 403);
    } finally {
      await handle.stop();
    }
  });

  it('runs as a command: prints its URL, serves, and exits cleanly on SIGTERM', async function () {
    const child = spawn(process.execPath, [binPath, '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await withTimeout(
        new Promise<string>((resolve) => {
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (chunk: string) => {
            output += chunk;
            const match = /listening on (http:\/\/\S+)/.exec(output);
            if (match?.[1]) resolve(match[1]);
          });
        }),
        10_000,
        'the command to print its URL',
      );
      const time = await fetch(`${url}/time/0`);
      assert.equal(time.status, 200);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await withTimeout(exited, 5000, 'the command to exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
