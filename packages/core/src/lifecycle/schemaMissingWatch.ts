import { classifyDatabaseError } from '../db/databaseErrors.ts';
import { SchemaMissingError } from './startSequence.ts';

export interface SchemaMissingWatchOptions {
  /** Consecutive failures on a missing schema before the service gives up (DB_SCHEMA_WAIT_ATTEMPTS). */
  attempts: number;
  /** Called once, with a SchemaMissingError naming what failed: the launch context's `fail`. */
  onFatal: (failure: Error) => void;
}

/**
 * The running counterpart of StartSequence's limit: a loop that retries its
 * statements on every database error would retry a dropped table or a
 * rolled-back migration forever while looking alive. Counts failures on a
 * missing schema in a row (any other outcome starts the count again) and
 * declares the service dead at the limit, so it exits and restarts visibly.
 */
export class SchemaMissingWatch {
  readonly #options: SchemaMissingWatchOptions;
  #inARow = 0;
  #fired = false;

  constructor(options: SchemaMissingWatchOptions) {
    this.#options = options;
  }

  /** A step of the loop failed with `err`; `what` names the step in the failure. */
  failed(what: string, err: unknown): void {
    if (classifyDatabaseError(err).kind !== 'schema_missing') {
      this.#inARow = 0;
      return;
    }
    this.#inARow += 1;
    if (this.#inARow < this.#options.attempts || this.#fired) return;
    this.#fired = true;
    this.#options.onFatal(new SchemaMissingError(what, this.#inARow, err));
  }

  /** A step of the loop reached the database and succeeded. */
  succeeded(): void {
    this.#inARow = 0;
  }
}
