import { strict as assert } from 'node:assert';
import { spawnNode } from '../src/index.ts';

describe('spawnNode', () => {
  it('runs node with the environment added, keeps stdout and stderr, resolves the exit code', async () => {
    const lines: string[] = [];
    const proc = spawnNode(
      ['-e', "console.log('out ' + process.env.GREETING); console.error('err line'); process.exit(3)"],
      { env: { GREETING: 'hello' }, onLine: (line) => lines.push(line) },
    );
    assert.equal(await proc.exited, 3);
    assert.match(proc.output(), /out hello/);
    assert.match(proc.output(), /err line/);
    assert.deepEqual(lines.sort(), ['err line', 'out hello']);
  });

  it('keeps only the last keepChars characters, and hands over lines split across chunks whole', async () => {
    const lines: string[] = [];
    const proc = spawnNode(
      ['-e', "process.stdout.write('ab'); setTimeout(() => process.stdout.write('cd\\nef\\n'), 50)"],
      { keepChars: 4, onLine: (line) => lines.push(line) },
    );
    assert.equal(await proc.exited, 0);
    assert.equal(proc.output(), '\nef\n');
    assert.deepEqual(lines, ['abcd', 'ef']);
  });

  it('reports a signal as a null exit code', async () => {
    const proc = spawnNode(['-e', 'setTimeout(() => {}, 60_000)']);
    proc.child.kill('SIGKILL');
    assert.equal(await proc.exited, null);
  });
});
