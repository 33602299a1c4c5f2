import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, requestIdOf } from '@sketchyaf/core';
import { IngestRejection, type FieldIssue } from '../errors.ts';
import {
  maxBatchEvents,
  validateBatch,
  validateSingle,
  type ValidationResult,
} from '../events/validateEvents.ts';
import type { DeliveryWaiters, Delivery } from '../ingest/deliveryWaiters.ts';
import { idempotencyKeyIssue, requestHash, type IdempotencyClaim } from '../ingest/idempotencyKey.ts';
import type { OutboxWriter, WriteResult } from '../ingest/outboxWriter.ts';
import { oversizeIssues, prepareEvent, type PreparedEvent } from '../ingest/prepareEvent.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import { bearerAuth } from './auth.ts';
import { corsAllowlist } from './cors.ts';
import { jsonBody } from './jsonBody.ts';

export interface IngestRoutesOptions {
  apiTokens: readonly string[];
  corsOrigins: readonly string[];
  batchBodyLimitBytes: number;
  /** Retry-After seconds while runtime control holds the API read-only; null: writes accepted. */
  readOnly?: () => number | null;
  /** True until the service has started (database reached, runtime control read): writes get 503 + Retry-After. */
  starting?: () => boolean;
  writer: OutboxWriter;
  waiters: DeliveryWaiters;
  metrics: BroadcasterMetrics;
}

/** Room for a 32 KiB event with generous whitespace. */
const singleBodyLimitBytes = 64 * 1024;
export const maxWaitMs = 10_000;

interface Accepted {
  eventId: string;
  requestId: string;
  channel: string;
  sequence: number | null;
  deliveryState?: Delivery['state'];
  timetoken?: string | null;
  error?: string;
}

/** `?wait=published[&waitTimeoutMs=…]`: none, or how long to wait (≤ 10 s). */
function waitOption(query: Request['query']): number | null {
  const { wait, waitTimeoutMs, ...rest } = query;
  const issues: FieldIssue[] = Object.keys(rest).map((k) => ({
    path: `query.${k}`,
    code: 'unrecognized_keys',
    message: 'unknown query parameter',
  }));
  if (wait !== undefined && wait !== 'published')
    issues.push({
      path: 'query.wait',
      code: 'invalid_value',
      message: 'the only accepted value is "published"',
    });
  let timeoutMs = maxWaitMs;
  if (waitTimeoutMs !== undefined) {
    const n =
      typeof waitTimeoutMs === 'string' && /^\d{1,6}$/.test(waitTimeoutMs)
        ? Number(waitTimeoutMs)
        : Number.NaN;
    if (!(n >= 1 && n <= maxWaitMs))
      issues.push({
        path: 'query.waitTimeoutMs',
        code: 'invalid_value',
        message: `must be 1 to ${maxWaitMs}`,
      });
    else timeoutMs = n;
  }
  if (issues.length > 0)
    throw new IngestRejection('validation_failed', 'validation_failed', 'Invalid query parameters', issues);
  return wait === 'published' ? timeoutMs : null;
}

function rejectionOf(result: Extract<ValidationResult, { ok: false }>): IngestRejection {
  if (result.reason === 'too_many_events')
    return new IngestRejection(
      'payload_too_large',
      'too_many_events',
      `A batch holds at most ${maxBatchEvents} events`,
      result.issues,
    );
  return new IngestRejection(
    'validation_failed',
    result.reason,
    result.reason === 'unknown_type' ? 'Unknown event type' : 'Event failed validation',
    result.issues,
  );
}

/** Events counted by a rejection: a batch's size when readable, else 1. */
function eventCount(body: unknown): number {
  const events = (body as { events?: unknown } | null)?.events;
  return Array.isArray(events) && events.length > 0 ? events.length : 1;
}

/**
 * The request's `Idempotency-Key`, scoped to its token: null without one,
 * 400 when malformed. Checked before the body, so a bad key costs nothing.
 */
function idempotencyClaim(req: Request, res: Response, batch: boolean): IdempotencyClaim | null {
  const key = req.get('idempotency-key');
  if (key === undefined) return null;
  const issue = idempotencyKeyIssue(key);
  if (issue)
    throw new IngestRejection('validation_failed', 'invalid_idempotency_key', 'Invalid Idempotency-Key', [
      issue,
    ]);
  const scope: unknown = res.locals['tokenScope'];
  if (typeof scope !== 'string') throw new Error('idempotency key without a token scope: auth did not run');
  return { scope, key, bodyHash: requestHash(batch ? 'batch' : 'single', req.body) };
}

/** `POST /v1/events` and `POST /v1/events/batch`. */
export function ingestRoutes(options: IngestRoutesOptions): Router {
  const { writer, waiters, metrics } = options;
  const router = Router();
  const cors = corsAllowlist(options.corsOrigins);
  const auth = bearerAuth(options.apiTokens, 'sketchyaf-broadcaster');

  const accept =
    (batch: boolean) =>
    async (req: Request, res: Response): Promise<void> => {
      const waitMs = waitOption(req.query);
      const claim = idempotencyClaim(req, res, batch);
      const result = batch ? validateBatch(req.body) : validateSingle(req.body);
      if (!result.ok) throw rejectionOf(result);
      const requestId = requestIdOf(res);
      const prepared: PreparedEvent[] = result.events.map((e) => prepareEvent(e, requestId));
      const oversize = oversizeIssues(prepared, batch);
      if (oversize.length > 0)
        throw new IngestRejection('payload_too_large', 'too_large', 'Event larger than 32 KiB', oversize);

      let handle = waitMs === null ? undefined : waiters.register(prepared.map((e) => e.eventId));
      let outcome: WriteResult;
      try {
        outcome = await writer.writeOnce(prepared, claim);
      } catch (err) {
        handle?.cancel();
        if (err instanceof AppError && !(err instanceof IngestRejection))
          throw new IngestRejection(err.code, err.code, err.message, err.details, { cause: err });
        throw err;
      }
      const { written, replayOf } = outcome;
      if (replayOf === null) for (const e of prepared) metrics.ingestAccepted.inc({ type: e.type });
      else {
        // A retry: the answer names the events the first request wrote, so wait for those.
        res.setHeader('Idempotent-Replayed', 'true');
        handle?.cancel();
        handle = handle && waiters.register(written.map((w) => w.eventId));
      }
      const body: Accepted[] = prepared.map((e, i) => ({
        eventId: written[i]?.eventId ?? e.eventId,
        requestId: replayOf ?? requestId,
        channel: e.channel,
        sequence: written[i]?.sequence ?? null,
      }));
      let status = 202;
      if (handle) {
        const deliveries = await handle.wait(
          new Map(written.map((w) => [w.eventId, w.outboxId])),
          waitMs ?? maxWaitMs,
        );
        for (const item of body) {
          const delivery = deliveries.get(item.eventId) ?? { state: 'pending' };
          item.deliveryState = delivery.state;
          item.timetoken = delivery.state === 'published' ? delivery.timetoken : null;
          if (delivery.state === 'dead_lettered') item.error = delivery.error;
        }
        if (body.every((b) => b.deliveryState === 'published')) status = 200;
      }
      res.status(status).json(batch ? body : body[0]);
    };

  // Read-only (runtime control): refused before the body is read; the caller retries later, nothing is written.
  const writable = (_req: Request, _res: Response, next: NextFunction): void => {
    if (options.starting?.() === true) {
      // The start retries its database connection about every second: a client waiting as long finds it open.
      next(
        new IngestRejection('unavailable', 'starting', 'The ingest API is starting; retry later', {
          retryAfterSeconds: 1,
        }),
      );
      return;
    }
    const retryAfter = options.readOnly?.() ?? null;
    if (retryAfter === null) {
      // A queue that cannot take even one more event refuses before the body is read or parsed: the cheapest 503.
      next(writer.refusal(1) ?? undefined);
      return;
    }
    next(
      new IngestRejection(
        'unavailable',
        'read_only',
        'The ingest API is read-only for now (runtime control); retry later',
        { retryAfterSeconds: retryAfter },
      ),
    );
  };

  router.options(['/events', '/events/batch'], cors);
  router.post('/events', cors, auth, writable, jsonBody(singleBodyLimitBytes), accept(false));
  router.post('/events/batch', cors, auth, writable, jsonBody(options.batchBodyLimitBytes), accept(true));

  // Counts every refusal by reason, then leaves the response to core's error handler.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    const reason =
      err instanceof IngestRejection ? err.reason : err instanceof AppError ? err.code : 'internal';
    metrics.ingestRejected.inc({ reason }, eventCount(req.body));
    next(err);
  });
  return router;
}
