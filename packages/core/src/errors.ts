// One catalogue of failure kinds with stable codes; HTTP handlers map each
// code to a status, logs and metrics use the code as a label.
export const errorCodes = {
  invalid_config: 500,
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  /** A known client whose scopes do not cover the request; details name the missing scope. */
  insufficient_scope: 403,
  not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  /** The write queue is full: refused at once, nothing written; retry after Retry-After. */
  overloaded: 503,
  /** The game's row is held by another transaction for longer than the API waits; retry shortly. */
  game_busy: 503,
  /** An Idempotency-Key already answered a request with another body; use a new key for a new request. */
  idempotency_key_reused: 422,
  /** The route needs PubNub Access Manager (PUBNUB_SECRET_KEY), which this installation does not use. */
  access_manager_off: 501,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

/** Start-up configuration is invalid; the message names every problem. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
