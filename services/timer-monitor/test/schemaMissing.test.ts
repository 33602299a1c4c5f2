import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, dropSchema, type TestDatabase } from '@sketchyaf/testkit';
import { launchTimerMonitor, loadTimerMonitorConfig } from '../src/index.ts';

const run = promisify(execFile);
const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const schemaMissing =
  /database: the database schema is missing after 2 attempts \(relation "games" does not exist, 42P01\): apply the migrations/;

/** A database that exists and answers, but whose migrations were never applied. */
describe('timer monitor on a database without its schema', function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;

  before(async () => {
    db = await createTestDatabase();
    await dropSchema(db);
  });
  after(async () => {
    await db?.drop();
  });

  it('stops itself: started and done reject with a message that says what to do', async () => {
    assert.ok(db);
    const config = loadTimerMonitorConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DB_SCHEMA_WAIT_ATTEMPTS: '2',
    });
    await using monitor = await launchTimerMonitor(config, { logger: createSilentLogger('timer-monitor') });
    assert.equal((await fetch(`${monitor.url}/livez`)).status, 200, 'serving while it waits');
    await assert.rejects(monitor.started, schemaMissing);
    await assert.rejects(monitor.done, schemaMissing);
    assert.deepEqual(monitor.unreleased(), [], 'everything released');
    await assert.rejects(fetch(`${monitor.url}/livez`), 'its HTTP server is closed');
  });

  it('a schema dropped while it runs: the loop gives up after the same number of failures in a row', async () => {
    const running = await createTestDatabase();
    try {
      const config = loadTimerMonitorConfig({
        DATABASE_URL: running.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        DB_SCHEMA_WAIT_ATTEMPTS: '2',
        TIMER_SWEEP_INTERVAL_MS: '100',
      });
      await using monitor = await launchTimerMonitor(config, { logger: createSilentLogger('timer-monitor') });
      await monitor.started;
      await dropSchema(running);
      await assert.rejects(
        monitor.done,
        /^SchemaMissingError: timer monitor: safety sweep failed: the database schema is missing after 2 attempts \(relation "games" does not exist, 42P01\)/,
      );
      assert.deepEqual(monitor.unreleased(), []);
    } finally {
      await running.drop();
    }
  });

  it('the process reports it and exits 1, so that Kubernetes restarts it visibly', async () => {
    assert.ok(db);
    const failed = await run(process.execPath, [mainFile], {
      env: {
        PATH: process.env['PATH'] ?? '',
        DATABASE_URL: db.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        DB_SCHEMA_WAIT_ATTEMPTS: '2',
      },
      timeout: 30_000,
    }).then(
      () => assert.fail('the process exited 0'),
      (err: unknown) => err as { code: number | null; stderr: string },
    );
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(
      failed.stderr,
      /^timer-monitor: died: SchemaMissingError: database: the database schema is missing/m,
    );
  });
});
