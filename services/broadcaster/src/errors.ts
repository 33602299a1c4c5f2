import { AppError, type ErrorCode } from '@sketchyaf/core';

/** One field-level problem of a request, e.g. `{ path: "events.2.gameId", code: "invalid_format", … }`. */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

/**
 * A request refused before anything was written. `reason` labels the
 * rejection metric and is finer than the code (`unknown_type` and
 * `validation_failed` are both code validation_failed).
 */
export class IngestRejection extends AppError {
  readonly reason: string;

  constructor(code: ErrorCode, reason: string, message: string, details?: unknown, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = 'IngestRejection';
    this.reason = reason;
  }
}
