import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

interface LaneRun {
  code: number;
  output: string;
}

interface UnitConfig {
  spec: string[];
  require: string[];
  reporter: string;
}

async function unitConfig(): Promise<UnitConfig> {
  const loaded = (await import(join(root, '.mocharc.unit.cjs'))) as { default: UnitConfig };
  return loaded.default;
}

/**
 * Runs one fixture spec with the unit lane's own requires and reporter (mocha
 * appends a command-line spec to a config's, so the config's spec is left out),
 * in a child so the lane's guard stays out of this process.
 */
async function runLane(fixture: string): Promise<LaneRun> {
  const config = await unitConfig();
  const requires = config.require.flatMap((r) => ['--require', r]);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        mocha,
        '--no-config',
        ...requires,
        '--reporter',
        config.reporter,
        `test/unitLane/fixtures/${fixture}.ts`,
      ],
      { cwd: root, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('the unit lane (npm run test:unit)', function () {
  this.timeout(120_000);

  it('runs a pure test', async () => {
    const run = await runLane('pure');
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /1 passed, 0 failed/);
  });

  it('fails a test that opens a PostgreSQL connection, naming the lane', async () => {
    const run = await runLane('connects');
    assert.notEqual(run.code, 0, run.output);
    assert.match(
      run.output,
      /UnitLaneViolation: the unit lane \(npm run test:unit\) does not open network connections/,
    );
  });

  it('fails a test even when the code under test swallows the refused connection', async () => {
    const run = await runLane('swallows');
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /"after each" hook[\s\S]*UnitLaneViolation/);
  });

  it('fails a test that leaves a process timer running, naming it (the leak check)', async () => {
    const run = await runLane('leaksTimer');
    assert.notEqual(run.code, 0, run.output);
    assert.match(
      run.output,
      /leak check: "a unit test that leaks a timer leaves an interval running" left running: setInterval created at test\/unitLane\/fixtures\/leaksTimer\.ts:4:5/,
    );
  });

  it('refuses to start the global fixture (PostgreSQL)', async () => {
    const run = await runLane('startsFixture');
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /does not start PostgreSQL \(the global fixture\)/);
  });

  it('selects only *.unit.test.ts files, and the default suite selects them too', async () => {
    const unit = await unitConfig();
    const defaults = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8')) as UnitConfig;
    assert.ok(unit.spec.every((s) => s.endsWith('*.unit.test.ts')));
    assert.ok(
      !unit.require.some((r) => r.includes('globalFixture')),
      'no PostgreSQL fixture in the unit lane',
    );
    for (const spec of unit.spec) {
      const broader = spec.replace('*.unit.test.ts', '*.test.ts');
      assert.ok(defaults.spec.includes(broader), `npm test runs ${spec} too`);
    }
  });
});
