import { AppError } from '../errors.ts';
import { classifyDatabaseError, type DatabaseErrorKind } from './databaseErrors.ts';

/**
 * Seconds a caller should wait before retrying, by cause: a refused or broken
 * connection and a server shutting down come back within a second or so (a
 * restart, a failover), a timeout means the server is slow or unreachable and
 * retrying at once adds to its load; a missing schema or refused credentials
 * need an operator, so a caller retries slowly. Null: the cause is not one a
 * retry can cure (the statement or its data is wrong: a bug, answered 500).
 */
export function retryAfterSecondsFor(kind: DatabaseErrorKind): number | null {
  switch (kind) {
    case 'connection':
    case 'shutdown':
    case 'serialization':
    case 'lock_timeout':
      return 1;
    case 'timeout':
      return 2;
    case 'schema_missing':
    case 'auth':
      return 30;
    case 'constraint':
    case 'data':
    case 'unknown':
      return null;
  }
}

/** The `details` of a 503 caused by the database; `cause` is a `DatabaseErrorKind`, never internals. */
export interface DatabaseUnavailableDetails {
  cause: DatabaseErrorKind;
  retryAfterSeconds: number;
  /**
   * `not_written`: the database refused or never got the write; a retry cannot duplicate it.
   * `unknown`: the connection broke after the write was sent; it may have been applied.
   */
  outcome: 'not_written' | 'unknown';
}

/**
 * The answer to a caller when a database failure is nobody's fault but the
 * database's: `unavailable` (503 + Retry-After) naming the cause kind; the
 * original error stays as `cause` for the logs. Undefined for a failure a
 * retry cannot cure.
 */
export function databaseUnavailableError(err: unknown): AppError | undefined {
  const { kind, mayHaveCommitted } = classifyDatabaseError(err);
  const retryAfterSeconds = retryAfterSecondsFor(kind);
  if (retryAfterSeconds === null) return undefined;
  const details: DatabaseUnavailableDetails = {
    cause: kind,
    retryAfterSeconds,
    outcome: mayHaveCommitted ? 'unknown' : 'not_written',
  };
  return new AppError('unavailable', 'The database is unavailable; retry later', details, { cause: err });
}

/** `Retry-After` seconds carried by an error's details, if any. */
export function retryAfterOf(details: unknown): number | undefined {
  const value = (details as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
