import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { errorFields } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { Releasers } from './releasers.ts';
import { createStartMetrics } from './startMetrics.ts';
import type { ServiceHandle } from './serviceHandle.ts';
import { StartAbortedError, StartSequence } from './startSequence.ts';

export interface LaunchContext<T> {
  /** The steps after serving: retries, and waits that give up when the service is stopped. */
  readonly sequence: StartSequence;
  /** Resources to release on stop, in reverse order of adding. */
  readonly releasers: Pick<Releasers, 'add'>;
  /** The HTTP server answers probes: launchService resolves with `value` now; the rest of `run` goes on. */
  readonly serving: (value: T) => void;
}

export interface LaunchOptions<T> {
  logger: Logger;
  clock: Clock;
  /** Where `service_started` is exported. */
  registry: Registry;
  /** Called once `stop` has released everything. */
  onStopped?: () => void;
  /** Acquires and starts the service; calls `serving` once probes are answered, then waits for its dependencies. */
  run(context: LaunchContext<T>): Promise<void>;
}

export interface LaunchedService<T> extends ServiceHandle {
  readonly value: T;
  /** Resolves when `run` has finished (the service works); rejects if it failed or was stopped first. */
  readonly started: Promise<void>;
}

/**
 * Starts a service in two parts. Until `serving`, a failure releases what
 * was acquired and rejects (a bad port, a bad setting: nothing to wait for).
 * After it, the service answers /livez, /readyz and /metrics while the rest of
 * `run` waits for its dependencies; `started` settles when `run` does.
 * `stop()` at any point aborts the waiting and releases everything. If `run`
 * fails after `serving`, the service releases everything and `done` rejects
 * with that error: the entry point exits rather than run half started.
 */
export function launchService<T>(options: LaunchOptions<T>): Promise<LaunchedService<T>> {
  const { logger, clock } = options;
  const releasers = new Releasers();
  const sequence = new StartSequence({ logger, clock });
  const metrics = createStartMetrics(options.registry);
  let served: { value: T } | undefined;
  let onServing: (value: T) => void = () => undefined;
  const serving = new Promise<T>((resolve) => (onServing = resolve));
  const context: LaunchContext<T> = {
    sequence,
    releasers,
    serving: (value) => {
      served ??= { value };
      onServing(value);
    },
  };
  const running = options.run(context);

  let settleDone: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settleDone = { resolve, reject }));
  // Rejections of done and started are for whoever awaits them; unobserved, they must not crash the process.
  done.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const release = (failure?: Error): Promise<void> => {
    stopping ??= (async () => {
      sequence.abort();
      await running.catch(() => undefined);
      try {
        await releasers.releaseAll();
      } finally {
        options.onStopped?.();
        if (failure) settleDone?.reject(failure);
        else settleDone?.resolve();
      }
    })();
    return stopping;
  };

  const started = running.then(
    () => {
      if (!served) throw new Error('the service finished its start without serving');
      sequence.finish();
      metrics.started.set(1);
    },
    (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      if (served && !(error instanceof StartAbortedError)) {
        logger.error('start failed after the service was serving; stopping', {
          ...errorFields(error),
        });
        void release(error).catch(() => undefined);
      }
      throw error;
    },
  );
  started.catch(() => undefined);

  return Promise.race([serving.then(() => 'serving' as const), started.then(() => 'started' as const)]).then(
    (): LaunchedService<T> => {
      // Either way `serving` was called: `started` resolves only after it.
      const { value } = served as { value: T };
      return { value, started, done, stop: () => release() };
    },
    async (err: unknown) => {
      // Failed before serving: nothing answers probes yet, so release and let the caller report it.
      await releasers.releaseAll().catch(() => undefined);
      throw err;
    },
  );
}

/**
 * A launched service once it has started: what tests and in-process callers
 * want. A start that fails releases everything before the error is thrown.
 */
export async function untilStarted<S extends { readonly started: Promise<void>; stop(): Promise<void> }>(
  launched: Promise<S>,
): Promise<S> {
  const service = await launched;
  try {
    await service.started;
  } catch (err) {
    await service.stop().catch(() => undefined);
    throw err;
  }
  return service;
}
