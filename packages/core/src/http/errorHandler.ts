import type { NextFunction, Request, Response } from 'express';
import { classifyDatabaseError, describeDatabaseError } from '../db/databaseErrors.ts';
import { databaseUnavailableError, retryAfterOf } from '../db/databaseUnavailable.ts';
import { AppError } from '../errors.ts';
import { errorFields } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { requestIdOf } from './requestId.ts';

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/** Translates body-parser's failures into the error catalogue. */
function fromBodyParser(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type } = err as BodyParserError;
  if (type === 'entity.parse.failed') return new AppError('invalid_json', 'Request body is not valid JSON');
  if (type === 'entity.too.large') return new AppError('payload_too_large', 'Request body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new AppError('unsupported_media_type', 'Unsupported body encoding');
  return undefined;
}

/** The one place where failures become `{ error: { code, message, details } }`. */
export function createErrorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let appError = err instanceof AppError ? err : fromBodyParser(err);
    if (!appError) {
      // A database failure a route let through: the same 503 + Retry-After as ingest, never a 500.
      appError = databaseUnavailableError(err);
      if (appError)
        logger.log(
          classifyDatabaseError(err).transient ? 'warn' : 'error',
          'request failed: database unavailable',
          { cause: describeDatabaseError(err), ...errorFields(err) },
        );
    }
    appError ??= new AppError('internal', 'Internal error');
    if (appError.code === 'internal') logger.error('request failed', errorFields(err));
    // Every 503 (unavailable, game_busy, overloaded, …) and 429 that knows when to come back says so.
    const retryAfter =
      appError.status === 503 || appError.status === 429 ? retryAfterOf(appError.details) : undefined;
    if (retryAfter !== undefined && !res.hasHeader('Retry-After'))
      res.setHeader('Retry-After', String(retryAfter));
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, details: appError.details ?? null },
      requestId: requestIdOf(res),
    });
  };
}
