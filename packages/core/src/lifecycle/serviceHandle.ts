import type { Releasers } from './releasers.ts';

/** What every service's start() returns; `await using` stops it at the end of the scope. */
export interface ServiceHandle extends AsyncDisposable {
  /** Graceful stop; safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the service has stopped, or rejects if it died (it can no longer work and stopped itself). */
  readonly done: Promise<void>;
  /** What has not been released yet, the one being released first: what a stop that overruns waits for. */
  unreleased(): readonly string[];
}

/** A handle whose owner can also declare the service dead. */
export interface FailableServiceHandle extends ServiceHandle {
  /** The service can no longer work: releases everything like stop, then `done` rejects with `failure`. */
  fail(failure: Error): Promise<void>;
}

export interface ServiceHandleOptions {
  /** Runs before the releasers on stop or failure (e.g. abort a start still waiting). */
  beforeRelease?: () => Promise<void>;
  /** Called once everything is released. */
  onStopped?: () => void;
}

/**
 * The `{ stop, done }` of a service whose resources are in `releasers`:
 * stop releases them (once, however often it is called), then settles done;
 * fail does the same and rejects done with the failure.
 */
export function serviceHandleFor(
  releasers: Releasers,
  options: ServiceHandleOptions = {},
): FailableServiceHandle {
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // A rejection of done is for whoever awaits it; unobserved, it must not crash the process.
  done.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const release = (failure?: Error): Promise<void> => {
    stopping ??= (async () => {
      try {
        await options.beforeRelease?.();
        await releasers.releaseAll();
      } finally {
        options.onStopped?.();
        if (failure) settle?.reject(failure);
        else settle?.resolve();
      }
    })();
    return stopping;
  };
  return {
    done,
    stop: () => release(),
    fail: (failure) => release(failure),
    unreleased: () => releasers.unreleased(),
    [Symbol.asyncDispose]: () => release(),
  };
}
