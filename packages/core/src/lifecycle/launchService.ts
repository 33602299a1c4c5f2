import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import { errorFields } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { trackResource } from './liveResources.ts';
import { Releasers } from './releasers.ts';
import { createStartMetrics } from './startMetrics.ts';
import { serviceHandleFor, type ServiceHandle } from './serviceHandle.ts';
import { StartAbortedError, StartSequence } from './startSequence.ts';

export interface LaunchContext<T> {
  /** The steps after serving: retries, and waits that give up when the service is stopped. */
  readonly sequence: StartSequence;
  /** Resources to release on stop, in reverse order of adding. */
  readonly releasers: Pick<Releasers, 'add'>;
  /** The HTTP server answers probes: launchService resolves with `value` now; the rest of `run` goes on. */
  readonly serving: (value: T) => void;
  /**
   * A part of the service can no longer work (its HTTP server failed after
   * listening, a loop met an error it cannot get past): the service stops
   * itself and `done` rejects with `failure`, so the entry point exits
   * non-zero and the orchestrator restarts it visibly.
   */
  readonly fail: (failure: Error) => void;
}

export interface LaunchOptions<T> {
  /** Names the service where a leak check or a stop that overruns reports it. */
  name?: string;
  logger: Logger;
  clock: Clock;
  /** Where `service_started` is exported. */
  registry: Registry;
  /** Called once `stop` has released everything. */
  onStopped?: () => void;
  /** Consecutive attempts of a start step that meet a missing schema before the start fails (see StartSequence). */
  schemaWaitAttempts?: number;
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
 * fails after `serving`, or a part calls `fail`, the service releases
 * everything and `done` rejects with that error.
 */
export function launchService<T>(options: LaunchOptions<T>): Promise<LaunchedService<T>> {
  const { logger, clock } = options;
  const releasers = new Releasers();
  const sequence = new StartSequence({ logger, clock, schemaWaitAttempts: options.schemaWaitAttempts });
  const metrics = createStartMetrics(options.registry);
  let served: { value: T } | undefined;
  let onServing: (value: T) => void = () => undefined;
  const serving = new Promise<T>((resolve) => (onServing = resolve));
  let running: Promise<void> = Promise.resolve();
  const untrack = trackResource('service', options.name ?? 'service');
  const handle = serviceHandleFor(releasers, {
    beforeRelease: async () => {
      sequence.abort();
      await running.catch(() => undefined);
    },
    onStopped: () => {
      untrack();
      options.onStopped?.();
    },
  });
  const fail = (failure: Error): void => {
    logger.error('the service can no longer work; stopping', { ...errorFields(failure) });
    void handle.fail(failure).catch(() => undefined);
  };
  const context: LaunchContext<T> = {
    sequence,
    releasers,
    serving: (value) => {
      served ??= { value };
      onServing(value);
    },
    fail,
  };
  running = options.run(context);

  const started = running.then(
    () => {
      if (!served) throw new Error('the service finished its start without serving');
      sequence.finish();
      metrics.started.set(1);
    },
    (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      // Failed after serving: the service releases everything and done rejects; the entry point exits
      // rather than run half started.
      if (served && !(error instanceof StartAbortedError)) fail(error);
      throw error;
    },
  );
  // A rejection of started is for whoever awaits it; unobserved, it must not crash the process.
  started.catch(() => undefined);

  return Promise.race([serving.then(() => 'serving' as const), started.then(() => 'started' as const)]).then(
    (): LaunchedService<T> => {
      // Either way `serving` was called: `started` resolves only after it.
      const { value } = served as { value: T };
      return {
        value,
        started,
        done: handle.done,
        stop: () => handle.stop(),
        unreleased: () => handle.unreleased(),
        [Symbol.asyncDispose]: () => handle.stop(),
      };
    },
    async (err: unknown) => {
      // Failed before serving: nothing answers probes yet, so release and let the caller report it.
      untrack();
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
