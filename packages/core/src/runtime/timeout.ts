import { systemClock, type Clock } from '../clock.ts';

/** Time ran out; `name` is 'TimeoutError' like AbortSignal.timeout's, so callers can tell it from other aborts. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number, message = `no answer within ${timeoutMs} ms`) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

export interface TimeoutOptions {
  clock?: Clock;
  /** Aborting this aborts the timeout's signal too (with the parent's reason). */
  parent?: AbortSignal;
  /** The TimeoutError's message; default "no answer within N ms". */
  message?: string;
}

export interface TimeoutSignal {
  signal: AbortSignal;
  /** Releases the timer (and the parent listener); call when the work is over. */
  clear(): void;
}

/**
 * AbortSignal.timeout on an injected clock: aborts with a TimeoutError after
 * `ms`, or earlier when `parent` aborts. Unlike AbortSignal.timeout it can be
 * cleared, so a finished request leaves no timer behind.
 */
export function timeoutSignal(ms: number, options: TimeoutOptions = {}): TimeoutSignal {
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  const timer = clock.setTimeout(() => {
    controller.abort(new TimeoutError(ms, options.message));
  }, ms);
  timer.unref?.();
  const { parent } = options;
  const onParent = (): void => {
    controller.abort(parent?.reason);
  };
  if (parent?.aborted === true) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clock.clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * Runs `work` with a signal that aborts after `ms`, and settles by then even
 * when the work ignores its signal: rejects with the TimeoutError (or the
 * parent's reason). The timer is always released.
 */
export async function withTimeout<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  options: TimeoutOptions = {},
): Promise<T> {
  const timeout = timeoutSignal(ms, options);
  const { signal } = timeout;
  try {
    if (signal.aborted) throw signal.reason;
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener(
        'abort',
        () => {
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
    return await Promise.race([work(signal), aborted]);
  } finally {
    timeout.clear();
  }
}

/** Waits `ms` on the clock; an aborted `signal` ends the wait early with its reason. */
export function sleep(
  ms: number,
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
