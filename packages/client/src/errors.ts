/**
 * What went wrong, coarse enough to branch on:
 * - `validation`: the request is malformed (400, 413, 415); fix it, a retry gets the same answer.
 * - `auth`: missing or unknown token (401, 403 `forbidden`).
 * - `scope`: the token is known but may not send this (403 `insufficient_scope`; `details` names the scope).
 * - `idempotency_reused`: the key already answered a request with another body (422).
 * - `not_found`: the event names a game that does not exist (404).
 * - `rate_limited` (429) and `unavailable` (502, 503, 504): retried; thrown when the retries ran out.
 * - `server`: another 5xx, not retried.
 * - `unexpected`: any other status, or a success the client cannot read.
 * - `network` and `timeout`: no answer; retried with the same key, so a retry never duplicates.
 */
export type ErrorKind =
  | 'validation'
  | 'auth'
  | 'scope'
  | 'idempotency_reused'
  | 'not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'server'
  | 'unexpected'
  | 'network'
  | 'timeout';

const retryableKinds: ReadonlySet<ErrorKind> = new Set(['rate_limited', 'unavailable', 'network', 'timeout']);

/** True for the failures a retry with the same idempotency key may cure. */
export function isRetryable(kind: ErrorKind): boolean {
  return retryableKinds.has(kind);
}

/** The kind of an HTTP error answer, from its status and the `error.code` of its body. */
export function errorKindOf(status: number, code: string): ErrorKind {
  if (status === 400 || status === 413 || status === 415) return 'validation';
  if (status === 401) return 'auth';
  if (status === 403) return code === 'insufficient_scope' ? 'scope' : 'auth';
  if (status === 422 && code === 'idempotency_key_reused') return 'idempotency_reused';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  if (status >= 500) return 'server';
  return 'unexpected';
}

interface ErrorContext {
  /** The key the request carried on every attempt: retry later with it and the server answers once. */
  idempotencyKey: string;
  /** Attempts made, the failing one included. */
  attempts: number;
  cause?: unknown;
}

/** Every failure the client throws (a caller's abort rethrows the signal's reason instead). */
export class RealtimeError extends Error {
  readonly kind: ErrorKind;
  readonly idempotencyKey: string;
  readonly attempts: number;

  constructor(kind: ErrorKind, message: string, context: ErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'RealtimeError';
    this.kind = kind;
    this.idempotencyKey = context.idempotencyKey;
    this.attempts = context.attempts;
  }

  get retryable(): boolean {
    return isRetryable(this.kind);
  }
}

/** The API answered with an error: `{ error: { code, message, details }, requestId }`. */
export class RealtimeApiError extends RealtimeError {
  readonly status: number;
  /** The API's stable error code, e.g. `validation_failed`, `rate_limited`, `game_busy`. */
  readonly code: string;
  /** E.g. the field issues of a validation failure: `[{ path, code, message }]`. */
  readonly details: unknown;
  readonly requestId: string | null;
  /** From `Retry-After`, when the answer had one. */
  readonly retryAfterMs: number | null;

  constructor(
    answer: { status: number; code: string; message: string; details: unknown; requestId: string | null },
    retryAfterMs: number | null,
    context: ErrorContext,
  ) {
    super(errorKindOf(answer.status, answer.code), answer.message, context);
    this.name = 'RealtimeApiError';
    this.status = answer.status;
    this.code = answer.code;
    this.details = answer.details;
    this.requestId = answer.requestId;
    this.retryAfterMs = retryAfterMs;
  }
}

/** No answer: the connection failed or was cut. The event may or may not have been written. */
export class RealtimeNetworkError extends RealtimeError {
  constructor(message: string, context: ErrorContext) {
    super('network', message, context);
    this.name = 'RealtimeNetworkError';
  }
}

/** No answer within the attempt's timeout. The event may or may not have been written. */
export class RealtimeTimeoutError extends RealtimeError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, context: ErrorContext) {
    super('timeout', `no answer within ${timeoutMs} ms`, context);
    this.name = 'RealtimeTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Reads an error body; an answer that is not the API's JSON (a proxy's page) still gets a code. */
export function parseErrorBody(
  status: number,
  body: unknown,
): { status: number; code: string; message: string; details: unknown; requestId: string | null } {
  const record = isRecord(body) ? body : {};
  const error = isRecord(record['error']) ? record['error'] : {};
  const code = typeof error['code'] === 'string' ? error['code'] : `http_${status}`;
  const message = typeof error['message'] === 'string' ? error['message'] : `HTTP ${status}`;
  const requestId = typeof record['requestId'] === 'string' ? record['requestId'] : null;
  return { status, code, message, details: error['details'] ?? null, requestId };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
