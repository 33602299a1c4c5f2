import type { Clock } from '../clock.ts';
import { classifyDatabaseError, describeDatabaseError } from '../db/databaseErrors.ts';
import type { ReadinessCheck } from '../http/readiness.ts';
import { serializeError } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { errorMessage } from '../logging/errorMessage.ts';
import { startRetryDelay, worthRetryingAtStart } from './startRetry.ts';

/**
 * A start step met a missing table, column or function this many times in a
 * row: migrations are not applied, or DATABASE_URL names the wrong database.
 * Short of a minute: a migration job running alongside the rollout finishes
 * within it, and a replica that fails then restarts visibly (CrashLoopBackOff
 * names the problem) instead of looking alive while it does nothing.
 */
export const defaultSchemaWaitAttempts = 30;

/** A start step gave up on a database whose schema is missing: waiting longer does not help. */
export class SchemaMissingError extends Error {
  constructor(step: string, attempts: number, cause: unknown) {
    const { code } = classifyDatabaseError(cause);
    super(
      `${step}: the database schema is missing after ${attempts} attempts (${serverMessage(cause)}, ${code}): ` +
        'apply the migrations (npm run migrate) or check that DATABASE_URL names the right database',
      { cause },
    );
    this.name = 'SchemaMissingError';
  }
}

/** What the server said (`relation "games" does not exist`), from the error or the cause it wraps. */
function serverMessage(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e.message;
  }
  return errorMessage(err);
}

/** The reason a start step gives up: the service was stopped while it was still starting. */
export class StartAbortedError extends Error {
  constructor() {
    super('stopped before the start had finished');
    this.name = 'StartAbortedError';
  }
}

export interface StartSequenceOptions {
  clock: Clock;
  logger: Logger;
  /** Delay before the next attempt after `failures` consecutive failures; the back-off policy by default. */
  retryDelay?: (failures: number) => number;
  /** A step still failing logs a reminder this often (the first failure and each new cause log at once). */
  reminderMs?: number;
  /** Consecutive failures of a step on a missing schema before it fails the start; defaultSchemaWaitAttempts by default. */
  schemaWaitAttempts?: number | undefined;
}

export interface RetryOptions {
  /** Short text of a failure for readiness and logs; the database classification by default. */
  describe?: (err: unknown) => string;
  /** Whether a failure is tried again; otherwise it fails the start. Every database error by default. */
  retryable?: (err: unknown) => boolean;
}

export interface StartStatus {
  done: boolean;
  /** The step being waited for, null before the first and once done. */
  step: string | null;
  /** Consecutive failures of that step. */
  failures: number;
  /** Its last failure, described; null while it has not failed. */
  lastError: string | null;
  /** Monotonic milliseconds the step has been waited for. */
  waitingMs: number;
}

/**
 * The part of a service's start that waits for its dependencies, after its
 * HTTP server already answers probes: each step is retried with back-off until
 * it succeeds, and everything it waits on gives up at once when the service is
 * stopped. Its state is the `start` readiness check.
 */
export class StartSequence {
  readonly #options: StartSequenceOptions;
  readonly #abort = new AbortController();
  #done = false;
  #step: string | null = null;
  #stepSince = 0;
  #failures = 0;
  #lastError: string | null = null;

  constructor(options: StartSequenceOptions) {
    this.#options = options;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  status(): StartStatus {
    return {
      done: this.#done,
      step: this.#step,
      failures: this.#failures,
      lastError: this.#lastError,
      waitingMs: this.#step === null ? 0 : Math.round(this.#options.clock.monotonic() - this.#stepSince),
    };
  }

  /** One line for /readyz while starting, e.g. `waiting for database: connection (ECONNREFUSED), 12 attempts in 10.4 s`. */
  describe(): string {
    const { done, step, failures, lastError, waitingMs } = this.status();
    if (done) return 'started';
    if (step === null) return 'starting';
    if (lastError === null) return `starting: ${step}`;
    const attempts = `${failures} attempt${failures === 1 ? '' : 's'} in ${(waitingMs / 1000).toFixed(1)} s`;
    return `waiting for ${step}: ${lastError}, ${attempts}`;
  }

  /** Ready once every start step has succeeded; until then the reason. */
  readinessCheck(): ReadinessCheck {
    return {
      name: 'start',
      check: () => (this.#done ? Promise.resolve(undefined) : Promise.reject(new Error(this.describe()))),
    };
  }

  /** Stops waiting: the step in progress and every later one reject with StartAbortedError. */
  abort(): void {
    this.#abort.abort(new StartAbortedError());
  }

  /** Every step has succeeded. */
  finish(): void {
    this.#done = true;
    this.#step = null;
    this.#lastError = null;
  }

  /**
   * Runs `run` until it succeeds, waiting the back-off between attempts.
   * Bounded by stop(): the loop ends when the sequence is aborted. A failure
   * that `retryable` refuses ends it too, with that error, and so does a
   * missing schema met `schemaWaitAttempts` times in a row (SchemaMissingError).
   */
  async retry<T>(step: string, run: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
    const describe = options.describe ?? describeDatabaseError;
    const retryable = options.retryable ?? worthRetryingAtStart;
    const { clock, logger } = this.#options;
    this.#begin(step);
    let remindedAt = clock.monotonic();
    let schemaMissing = 0;
    const schemaWaitAttempts = this.#options.schemaWaitAttempts ?? defaultSchemaWaitAttempts;
    for (;;) {
      try {
        const value = await this.until(step, run());
        if (this.#failures > 0)
          logger.info(`${step} answers; start goes on`, {
            step,
            attempts: this.#failures + 1,
            waitedMs: this.status().waitingMs,
          });
        this.#lastError = null;
        return value;
      } catch (err) {
        if (err instanceof StartAbortedError || this.aborted) throw this.#abortReason();
        if (!retryable(err)) throw err;
        const cause = describe(err);
        this.#failures += 1;
        schemaMissing = classifyDatabaseError(err).kind === 'schema_missing' ? schemaMissing + 1 : 0;
        if (schemaMissing >= schemaWaitAttempts) throw new SchemaMissingError(step, schemaMissing, err);
        const delayMs = (this.#options.retryDelay ?? startRetryDelay)(this.#failures);
        const newCause = cause !== this.#lastError;
        this.#lastError = cause;
        if (newCause || clock.monotonic() - remindedAt >= (this.#options.reminderMs ?? 30_000)) {
          remindedAt = clock.monotonic();
          const { stack, ...error } = serializeError(err);
          logger.warn(`waiting for ${step} before starting; retrying`, {
            step,
            cause,
            attempts: this.#failures,
            waitedMs: this.status().waitingMs,
            retryInMs: delayMs,
            // The stack once per new cause: a reminder of the same one need not repeat it.
            err: newCause ? { ...error, stack } : error,
          });
        }
        await this.#sleep(delayMs);
      }
    }
  }

  /** Waits for `promise` unless the service is stopped first; `step` names it in readiness meanwhile. */
  until<T>(step: string, promise: Promise<T>): Promise<T> {
    if (this.#step !== step) this.#begin(step);
    const signal = this.#abort.signal;
    if (signal.aborted) {
      promise.catch(() => undefined);
      return Promise.reject(this.#abortReason());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.#abortReason());
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  #begin(step: string): void {
    this.#step = step;
    this.#stepSince = this.#options.clock.monotonic();
    this.#failures = 0;
    this.#lastError = null;
  }

  #sleep(ms: number): Promise<void> {
    const { clock } = this.#options;
    const signal = this.#abort.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        reject(this.#abortReason());
      };
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #abortReason(): StartAbortedError {
    const reason: unknown = this.#abort.signal.reason;
    return reason instanceof StartAbortedError ? reason : new StartAbortedError();
  }
}
