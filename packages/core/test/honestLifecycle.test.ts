import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import {
  createMetricsRegistry,
  createSilentLogger,
  launchService,
  runMain,
  SchemaMissingWatch,
  serviceHandleFor,
  startHttpServer,
  systemClock,
} from '../src/index.ts';
import { Releasers } from '../src/lifecycle/releasers.ts';
import { SchemaMissingError, StartSequence } from '../src/lifecycle/startSequence.ts';
import { waitFor } from '@sketchyaf/testkit';

const logger = createSilentLogger();

function missingTable(): Error {
  return Object.assign(new Error('relation "games" does not exist'), { code: '42P01' });
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

/** A process stand-in for runMain: signals are emitted by the test, exit is recorded. */
function fakeProcess(env: Record<string, string> = {}): {
  proc: NodeJS.Process;
  exits: number[];
  lines: string[];
} {
  const exits: number[] = [];
  const lines: string[] = [];
  const emitter = Object.assign(new EventEmitter(), {
    env,
    exitCode: undefined as number | undefined,
    exit: (code: number) => void exits.push(code),
  });
  return { proc: emitter as unknown as NodeJS.Process, exits, lines };
}

describe('honest lifecycle', () => {
  describe('StartSequence and a missing schema', () => {
    it('gives up after the configured attempts in a row, naming the step, the table and the remedy', async () => {
      const sequence = new StartSequence({
        logger,
        clock: systemClock,
        retryDelay: () => 0,
        schemaWaitAttempts: 4,
      });
      let attempts = 0;
      const failure = await sequence
        .retry('database', () => {
          attempts += 1;
          return Promise.reject(missingTable());
        })
        .then(
          () => assert.fail('the step succeeded'),
          (err: unknown) => err,
        );
      assert.ok(failure instanceof SchemaMissingError);
      assert.equal(attempts, 4);
      assert.equal(
        failure.message,
        'database: the database schema is missing after 4 attempts (relation "games" does not exist, 42P01): ' +
          'apply the migrations (npm run migrate) or check that DATABASE_URL names the right database',
      );
    });

    it('counts only a missing schema in a row: a connection failure in between starts the count again', async () => {
      const sequence = new StartSequence({
        logger,
        clock: systemClock,
        retryDelay: () => 0,
        schemaWaitAttempts: 3,
      });
      const failures = [missingTable(), missingTable(), refused(), missingTable(), missingTable()];
      let attempts = 0;
      const value = await sequence.retry('database', () => {
        attempts += 1;
        const next = failures.shift();
        return next ? Promise.reject(next) : Promise.resolve('migrated');
      });
      assert.equal(value, 'migrated');
      assert.equal(attempts, 6);
    });
  });

  describe('SchemaMissingWatch (a running loop)', () => {
    it('declares the service dead once, at the limit of failures in a row; a success or another error resets the count', () => {
      const fatal: Error[] = [];
      const watch = new SchemaMissingWatch({ attempts: 3, onFatal: (err) => fatal.push(err) });
      watch.failed('sweep', missingTable());
      watch.failed('sweep', missingTable());
      watch.succeeded();
      watch.failed('sweep', missingTable());
      watch.failed('sweep', refused());
      watch.failed('sweep', missingTable());
      watch.failed('sweep', missingTable());
      assert.equal(fatal.length, 0);
      watch.failed('sweep', missingTable());
      watch.failed('sweep', missingTable());
      assert.equal(fatal.length, 1);
      assert.ok(fatal[0] instanceof SchemaMissingError);
      assert.match(
        fatal[0].message,
        /^sweep: the database schema is missing after 3 attempts \(relation "games"/,
      );
    });
  });

  describe('a launched service that can no longer work', () => {
    it('fail(): releases everything, done rejects with the failure; await using stops it at the end of a scope', async () => {
      const released: string[] = [];
      let fail: ((err: Error) => void) | undefined;
      {
        await using service = await launchService<string>({
          logger,
          clock: systemClock,
          registry: createMetricsRegistry({ service: 'test' }),
          run: (context) => {
            context.releasers.add('pool', () => void released.push('pool'));
            context.releasers.add('loop', () => void released.push('loop'));
            fail = context.fail;
            context.serving('value');
            return Promise.resolve();
          },
        });
        await service.started;
        assert.ok(fail);
        fail(new Error('the loop cannot go on'));
        await assert.rejects(service.done, /^Error: the loop cannot go on$/);
        assert.deepEqual(released, ['loop', 'pool']);
      }
      assert.deepEqual(released, ['loop', 'pool'], 'disposing a dead service releases nothing twice');
    });

    it('await using stops a healthy service when the scope ends', async () => {
      const released: string[] = [];
      let done: Promise<void> | undefined;
      {
        await using service = await launchService<string>({
          logger,
          clock: systemClock,
          registry: createMetricsRegistry({ service: 'test' }),
          run: (context) => {
            context.releasers.add('worker', () => void released.push('worker'));
            context.serving('value');
            return Promise.resolve();
          },
        });
        await service.started;
        done = service.done;
        assert.deepEqual(released, []);
      }
      assert.deepEqual(released, ['worker']);
      await done;
    });

    it('its HTTP server failing after listening: the service stops and done rejects with the server error', async () => {
      let server: Server | undefined;
      const service = await launchService<string>({
        logger,
        clock: systemClock,
        registry: createMetricsRegistry({ service: 'test' }),
        run: async (context) => {
          const http = await startHttpServer((_req, res) => res.end(), {
            host: '127.0.0.1',
            port: 0,
            onError: context.fail,
          });
          context.releasers.add('http server', () => http.stop());
          server = http.server;
          context.serving(http.url);
        },
      });
      await service.started;
      server?.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
      await assert.rejects(service.done, /^Error: the HTTP server failed: accept EMFILE$/);
      assert.equal(server?.listening, false, 'released');
    });

    it('an HTTP server error after listening reaches onError', async () => {
      const errors: Error[] = [];
      const http = await startHttpServer((_req, res) => res.end(), {
        host: '127.0.0.1',
        port: 0,
        onError: (err) => errors.push(err),
      });
      try {
        http.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
        assert.equal(errors.length, 1);
        assert.match(String(errors[0]?.message), /^the HTTP server failed: accept EMFILE$/);
      } finally {
        await http.stop();
      }
    });
  });

  describe('Releasers and serviceHandleFor', () => {
    it('unreleased names the one being released first, then the rest in release order', async () => {
      const releasers = new Releasers();
      let finishRelay: () => void = () => undefined;
      releasers.add('database pool', () => undefined);
      releasers.add('shard leases', () => undefined);
      releasers.add('relay loop', () => new Promise<void>((resolve) => (finishRelay = resolve)));
      assert.deepEqual(releasers.unreleased(), ['relay loop', 'shard leases', 'database pool']);
      const releasing = releasers.releaseAll();
      await Promise.resolve();
      assert.deepEqual(releasers.unreleased(), ['relay loop', 'shard leases', 'database pool']);
      finishRelay();
      await releasing;
      assert.deepEqual(releasers.unreleased(), []);
    });

    it('fail settles done with the failure once; a later stop does not change it', async () => {
      const releasers = new Releasers();
      let calls = 0;
      releasers.add('x', () => void (calls += 1));
      const handle = serviceHandleFor(releasers);
      await handle.fail(new Error('dead'));
      await handle.stop();
      await assert.rejects(handle.done, /dead/);
      assert.equal(calls, 1);
    });
  });

  describe('runMain', () => {
    it('a stop that overruns the deadline exits 1 naming what did not stop', async () => {
      const { proc, exits, lines } = fakeProcess();
      const releasers = new Releasers();
      let finish: () => void = () => undefined;
      releasers.add('database pool', () => undefined);
      releasers.add('relay loop', () => new Promise<void>((resolve) => (finish = resolve)));
      const handle = serviceHandleFor(releasers);
      const detach = await runMain(() => Promise.resolve(handle), {
        name: 'svc',
        process: proc,
        report: (line) => lines.push(line),
        stopDeadlineMs: 150,
      });
      try {
        proc.emit('SIGTERM', 'SIGTERM');
        await waitFor('an exit', () => (exits.length > 0 ? true : undefined), { timeoutMs: 2000 });
        assert.deepEqual(exits, [1]);
        assert.equal(lines.at(-1), 'svc: did not stop within 0.1 s: relay loop, database pool');
      } finally {
        finish();
        detach();
        await handle.done;
      }
    });

    it('a stop within the deadline sets exit code 0; a process still alive after it names what keeps it', async () => {
      const { proc, exits, lines } = fakeProcess({ SHUTDOWN_DEADLINE_MS: '150' });
      const handle = serviceHandleFor(new Releasers());
      const detach = await runMain(() => Promise.resolve(handle), {
        name: 'svc',
        process: proc,
        report: (line) => lines.push(line),
      });
      proc.emit('SIGTERM', 'SIGTERM');
      await handle.done;
      await Promise.resolve();
      assert.equal(proc.exitCode, 0);
      assert.deepEqual(lines, ['svc: SIGTERM received, stopping gracefully (send again to force)']);
      // The stand-in process never exits by itself, like a real one a leaked handle keeps alive.
      await waitFor('an exit', () => (exits.length > 0 ? true : undefined), { timeoutMs: 2000 });
      detach();
      assert.deepEqual(exits, [1]);
      assert.equal(
        lines.at(-1),
        'svc: did not stop within 0.1 s: everything was released, but the process stays alive (nothing Node.js reports)',
      );
    });

    it('a service that dies sets exit code 1 and reports why', async () => {
      const { proc, lines } = fakeProcess();
      const handle = serviceHandleFor(new Releasers());
      const detach = await runMain(() => Promise.resolve(handle), {
        name: 'svc',
        process: proc,
        report: (line) => lines.push(line),
        stopDeadlineMs: 5000,
      });
      await handle.fail(new Error('the schema is missing'));
      await Promise.resolve();
      detach();
      assert.equal(proc.exitCode, 1);
      assert.match(String(lines[0]), /^svc: died: Error: the schema is missing\n/);
    });

    it('a malformed SHUTDOWN_DEADLINE_MS is a configuration error (exit 78) before anything starts', async () => {
      const { proc, lines } = fakeProcess({ SHUTDOWN_DEADLINE_MS: 'soon' });
      let started = false;
      await runMain(
        () => {
          started = true;
          return Promise.resolve(serviceHandleFor(new Releasers()));
        },
        { name: 'svc', process: proc, report: (line) => lines.push(line) },
      );
      assert.equal(started, false);
      assert.equal(proc.exitCode, 78);
      assert.match(
        String(lines[0]),
        /^svc: Invalid configuration[^]*SHUTDOWN_DEADLINE_MS: must be an integer/,
      );
    });
  });
});
