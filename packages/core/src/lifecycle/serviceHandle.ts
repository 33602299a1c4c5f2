import type { Releasers } from './releasers.ts';

/** What every service's start() returns. */
export interface ServiceHandle {
  /** Graceful stop; safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the service has stopped, or rejects if it died. */
  readonly done: Promise<void>;
}

/**
 * The `{ stop, done }` of a service whose resources are in `releasers`:
 * stop releases them (once, however often it is called), then settles done.
 */
export function serviceHandleFor(releasers: Releasers, onStopped?: () => void): ServiceHandle {
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  return {
    done,
    stop() {
      stopping ??= releasers.releaseAll().finally(() => {
        onStopped?.();
        resolveDone();
      });
      return stopping;
    },
  };
}
