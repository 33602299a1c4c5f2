/**
 * What a database failure means, decided once from the error alone (no I/O):
 * every service maps these kinds to its own answer (ingest: 503 + Retry-After
 * for the transient ones; timer monitor: back off, or isolate one game).
 */
export type DatabaseErrorKind =
  /** Refused, reset, unreachable, terminated, name not resolved: the server may be back any moment. */
  | 'connection'
  /** No answer in time: a client-side query or connect timeout, or `statement_timeout` (57014). */
  | 'timeout'
  /** The server is going away or full: admin/crash shutdown, starting up, too many connections, read-only after a failover. */
  | 'shutdown'
  /** Serialization failure or deadlock (40001, 40P01): run the transaction again. */
  | 'serialization'
  /** `lock_timeout` or NOWAIT met a row another transaction holds (55P03). */
  | 'lock_timeout'
  /** An integrity constraint (class 23): the statement's data conflicts with what is stored. */
  | 'constraint'
  /** A table, function, column or database we rely on is missing: migrations not applied, wrong database. */
  | 'schema_missing'
  /** The credentials were refused (class 28: a rotated or wrong password), or a grant is missing (42501). */
  | 'auth'
  /** The data of a row or of the statement is bad: a trigger refused it (SK001–SK004, P0001) or a data exception (class 22). */
  | 'data'
  | 'unknown';

export interface DatabaseErrorClass {
  kind: DatabaseErrorKind;
  /** Worth retrying as it is, later: nothing about the statement or its rows is wrong. */
  transient: boolean;
  /** SQLSTATE, or the Node.js error code (ECONNREFUSED …), or '' when neither. */
  code: string;
  /**
   * The statement may have been applied although it failed for us: the connection broke, or
   * the client stopped waiting, after it may have reached the server (a reset, a
   * client-side query timeout). False when the server reported the failure (the statement
   * was rolled back) or the connection was never made.
   */
  mayHaveCommitted: boolean;
}

const transientKinds: ReadonlySet<DatabaseErrorKind> = new Set([
  'connection',
  'timeout',
  'shutdown',
  'serialization',
  'lock_timeout',
]);

// Node.js socket and resolver errors: the server was not reached, or the connection broke.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// The server was never reached: nothing was sent.
const connectCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const connectMessages =
  /timeout exceeded when trying to connect|due to connection timeout|Cannot use a pool after calling end/i;

// Messages node-postgres (pg, pg-pool) uses for its own failures, which carry no code.
const timeoutMessages =
  /timeout exceeded when trying to connect|connection timeout|Query read timeout|timed out/i;
const connectionMessages =
  /Connection terminated|Client has encountered a connection error|Connection ended|not queryable|Cannot use a pool after calling end/i;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function kindOfSqlState(code: string): DatabaseErrorKind | undefined {
  if (code === '57014') return 'timeout';
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '25006') return 'shutdown';
  if (code.startsWith('53')) return 'shutdown';
  if (code.startsWith('08')) return 'connection';
  if (code === '40001' || code === '40P01') return 'serialization';
  if (code === '55P03') return 'lock_timeout';
  if (code.startsWith('23')) return 'constraint';
  if (code === '42P01' || code === '42883' || code === '42703' || code === '3F000' || code === '3D000')
    return 'schema_missing';
  if (code.startsWith('28') || code === '42501') return 'auth';
  if (code.startsWith('22') || code.startsWith('SK') || code === 'P0001') return 'data';
  return undefined;
}

/** Classifies an error thrown by `pg` (a query, a pool checkout, a connect). Follows `cause` one level. */
export function classifyDatabaseError(err: unknown): DatabaseErrorClass {
  const code = codeOf(err);
  const sqlKind = /^[0-9A-Z]{5}$/.test(code) ? kindOfSqlState(code) : undefined;
  let kind: DatabaseErrorKind | undefined = sqlKind;
  if (!kind && socketCodes.has(code)) kind = code === 'ETIMEDOUT' ? 'timeout' : 'connection';
  if (!kind) {
    const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
    if (timeoutMessages.test(message)) kind = 'timeout';
    else if (connectionMessages.test(message)) kind = 'connection';
  }
  if (!kind && err instanceof Error && err.cause !== undefined && err.cause !== err) {
    const inner = classifyDatabaseError(err.cause);
    if (inner.kind !== 'unknown') return inner;
  }
  // AggregateError (a host with several addresses, all refused) carries its codes inside.
  if (!kind && err instanceof AggregateError) {
    for (const inner of err.errors) {
      const c = classifyDatabaseError(inner);
      if (c.kind !== 'unknown') return { ...c, code: c.code || code };
    }
  }
  const resolved = kind ?? 'unknown';
  const message = err instanceof Error ? err.message : '';
  const mayHaveCommitted =
    sqlKind === undefined &&
    (resolved === 'connection' || resolved === 'timeout') &&
    !connectCodes.has(code) &&
    !connectMessages.test(message);
  return { kind: resolved, transient: transientKinds.has(resolved), code, mayHaveCommitted };
}

/** Short text for logs, metrics labels and readiness: `connection (ECONNREFUSED)`. */
export function describeDatabaseError(err: unknown): string {
  const { kind, code } = classifyDatabaseError(err);
  return code ? `${kind} (${code})` : kind;
}
