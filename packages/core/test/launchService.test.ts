import { strict as assert } from 'node:assert';
import {
  createMetricsRegistry,
  createSilentLogger,
  launchService,
  systemClock,
  type LaunchContext,
  type ReadinessCheck,
} from '../src/index.ts';
import { runReadinessChecks } from '../src/http/readiness.ts';
import { StartAbortedError } from '../src/lifecycle/startSequence.ts';
import { waitFor } from '@sketchyaf/testkit';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

/** A step that fails with ECONNREFUSED until `up` is set. */
function dependency(): { up: boolean; attempts: number; call(): Promise<string> } {
  const dep = {
    up: false,
    attempts: 0,
    call(): Promise<string> {
      dep.attempts += 1;
      return dep.up ? Promise.resolve('answer') : Promise.reject(refused());
    },
  };
  return dep;
}

const logger = createSilentLogger();

describe('launchService', () => {
  it('serves first, then retries the dependency until it answers; started and readiness follow', async () => {
    const dep = dependency();
    const released: string[] = [];
    let check: ReadinessCheck | undefined;
    const registry = createMetricsRegistry({ service: 'test' });
    const started = async (): Promise<string> =>
      /^sketchyaf_realtime_service_started\{[^}]*\} (\d)$/m.exec(await registry.metrics())?.[1] ?? 'absent';
    const service = await launchService<{ name: string }>({
      logger,
      clock: systemClock,
      registry,
      run: async ({ releasers, serving, sequence }: LaunchContext<{ name: string }>) => {
        releasers.add('pool', () => void released.push('pool'));
        check = sequence.readinessCheck();
        serving({ name: 'svc' });
        await sequence.retry('database', () => dep.call());
        releasers.add('worker', () => void released.push('worker'));
      },
    });
    assert.equal(service.value.name, 'svc');
    assert.ok(check);
    let startedAt: number | undefined;
    void service.started.then(() => (startedAt = performance.now()));

    await waitFor('three attempts', () => (dep.attempts >= 3 ? true : undefined), { timeoutMs: 900 });
    assert.equal(startedAt, undefined, 'not started while the dependency refuses');
    const waiting = await runReadinessChecks([check]);
    assert.equal(waiting.ready, false);
    assert.equal(await started(), '0');
    assert.match(
      waiting.checks['start']?.detail ?? '',
      /^waiting for database: connection \(ECONNREFUSED\), \d+ attempts in 0\.\d s$/,
    );

    const backAt = performance.now();
    dep.up = true;
    await service.started;
    const readyAfterMs = (startedAt ?? Infinity) - backAt;
    console.log(
      `    started ${readyAfterMs.toFixed(0)} ms after the dependency answered (${dep.attempts} attempts)`,
    );
    assert.ok(
      readyAfterMs <= 1100,
      `started ${readyAfterMs} ms after the return; the back-off is capped at 1 s`,
    );
    assert.equal((await runReadinessChecks([check])).ready, true);
    assert.equal(await started(), '1');

    await service.stop();
    await service.done;
    assert.deepEqual(released, ['worker', 'pool']);
  });

  it('stop while waiting is prompt: the wait ends, everything is released, started rejects, done resolves', async () => {
    const dep = dependency();
    const released: string[] = [];
    let stepsAfterWait = 0;
    const service = await launchService<null>({
      logger,
      clock: systemClock,
      registry: createMetricsRegistry({ service: 'test' }),
      run: async ({ releasers, serving, sequence }) => {
        releasers.add('pool', () => void released.push('pool'));
        releasers.add('http server', () => void released.push('http server'));
        serving(null);
        await sequence.retry('database', () => dep.call());
        stepsAfterWait += 1;
      },
    });
    // In a back-off wait between two refused attempts.
    await waitFor('two attempts', () => (dep.attempts >= 2 ? true : undefined), { timeoutMs: 2000 });
    const t0 = performance.now();
    await service.stop();
    const stopMs = performance.now() - t0;
    console.log(`    stop while waiting for the database took ${stopMs.toFixed(1)} ms`);
    assert.ok(stopMs < 100, `stop took ${stopMs} ms`);
    assert.deepEqual(released, ['http server', 'pool']);
    await assert.rejects(service.started, StartAbortedError);
    await service.done;
    const attempts = dep.attempts;
    // The window is the test: longer than the 1 s back-off cap, so a surviving retry would show.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(dep.attempts, attempts, 'no attempt after stop');
    assert.equal(stepsAfterWait, 0);
  });

  it('a wait on something else (until) also ends at stop', async () => {
    const service = await launchService<null>({
      logger,
      clock: systemClock,
      registry: createMetricsRegistry({ service: 'test' }),
      run: async ({ serving, sequence }) => {
        serving(null);
        await sequence.until('runtime control', new Promise<void>(() => undefined));
      },
    });
    const t0 = performance.now();
    await service.stop();
    assert.ok(performance.now() - t0 < 100);
    await assert.rejects(service.started, StartAbortedError);
  });

  it('a failure that is not worth retrying after serving: releases everything, started and done reject with it', async () => {
    const released: string[] = [];
    let stopped = 0;
    const service = await launchService<null>({
      logger,
      clock: systemClock,
      registry: createMetricsRegistry({ service: 'test' }),
      onStopped: () => (stopped += 1),
      run: async ({ releasers, serving, sequence }) => {
        releasers.add('pool', () => void released.push('pool'));
        serving(null);
        await sequence.retry('database', () => Promise.reject(new TypeError('a bug')));
      },
    });
    await assert.rejects(service.started, /a bug/);
    await assert.rejects(service.done, /a bug/);
    assert.deepEqual(released, ['pool']);
    assert.equal(stopped, 1);
    await service.stop();
    assert.equal(stopped, 1, 'stop after the failure releases nothing twice');
  });

  it('a failure before serving rejects the launch and releases what was acquired', async () => {
    const released: string[] = [];
    await assert.rejects(
      launchService<null>({
        logger,
        clock: systemClock,
        registry: createMetricsRegistry({ service: 'test' }),
        run: async ({ releasers }) => {
          releasers.add('pool', () => void released.push('pool'));
          await Promise.resolve();
          throw new Error('port in use');
        },
      }),
      /port in use/,
    );
    assert.deepEqual(released, ['pool']);
  });
});
