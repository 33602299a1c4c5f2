import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, requestIdOf } from '@sketchyaf/core';
import { IngestRejection, type FieldIssue } from '../errors.ts';
import type { ApiEventInput, EventType } from '../events/catalogue.ts';
import {
  maxBatchEvents,
  validateBatch,
  validateSingle,
  type ValidationResult,
} from '../events/validateEvents.ts';
import type { DeliveryWaiters, Delivery } from '../ingest/deliveryWaiters.ts';
import {
  clientScope,
  idempotencyKeyIssue,
  requestHash,
  type IdempotencyClaim,
} from '../ingest/idempotencyKey.ts';
import type { OutboxWriter, WriteResult } from '../ingest/outboxWriter.ts';
import { oversizeIssues, prepareEvent, type PreparedEvent } from '../ingest/prepareEvent.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import type { ApiClient } from '../auth/clients.ts';
import type { ClientRateLimits } from '../auth/clientRateLimits.ts';
import { firstMissingScope } from '../auth/scopes.ts';
import { bearerAuth, clientOf } from './auth.ts';
import { corsAllowlist } from './cors.ts';
import { jsonBody } from './jsonBody.ts';

export interface IngestRoutesOptions {
  clients: readonly ApiClient[];
  /** Per-client token buckets, charged with `now()` (monotonic ms). */
  rateLimits: ClientRateLimits;
  now: () => number;
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
export const singleBodyLimitBytes = 64 * 1024;
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
 * The request's `Idempotency-Key`, scoped to its client: null without one,
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
  const scope = clientScope(clientOf(res).name);
  return { scope, key, bodyHash: requestHash(batch ? 'batch' : 'single', req.body) };
}

/**
 * A batch's per-event keys (`events[i].idempotencyKey`), scoped like the
 * header's and hashed over the item without its key; undefined when no item
 * carries one. With the header as well: 400, as the two cannot both decide.
 */
function eventClaimsOf(
  req: Request,
  res: Response,
  events: readonly ApiEventInput[],
  header: IdempotencyClaim | null,
): (IdempotencyClaim | null)[] | undefined {
  const keyed = events.flatMap((e, i) => (e.idempotencyKey === undefined ? [] : [i]));
  if (keyed.length === 0) return undefined;
  if (header !== null)
    throw new IngestRejection(
      'validation_failed',
      'invalid_idempotency_key',
      'Use either the Idempotency-Key header or per-event idempotencyKey fields, not both',
      keyed.map((i) => ({
        path: `events.${i}.idempotencyKey`,
        code: 'not_allowed',
        message: 'not allowed with an Idempotency-Key header',
      })),
    );
  const scope = clientScope(clientOf(res).name);
  const items = (req.body as { events: unknown[] }).events;
  return events.map((e, i) => {
    if (e.idempotencyKey === undefined) return null;
    const item = { ...(items[i] as Record<string, unknown>), idempotencyKey: undefined };
    // canonicalJson drops undefined members: the hash covers the event without its key.
    return { scope, key: e.idempotencyKey, bodyHash: requestHash('event', item) };
  });
}

/** The `client` label of refusals made before a token was recognised. */
export const unauthenticatedClient = 'unauthenticated';

/** `POST /v1/events` and `POST /v1/events/batch`. */
export function ingestRoutes(options: IngestRoutesOptions): Router {
  const { writer, waiters, metrics } = options;
  const router = Router();
  const cors = corsAllowlist(options.corsOrigins);
  const auth = bearerAuth(options.clients, 'sketchyaf-broadcaster');

  /** 429 when the client's bucket lacks the request's events (a batch costs each of them). */
  const charge = (res: Response, cost: number): void => {
    const client = clientOf(res);
    const over = options.rateLimits.charge(client, cost, options.now());
    if (over === null) return;
    metrics.ingestRateLimited.inc({ client: client.name });
    const limit = client.rateLimit;
    throw new IngestRejection(
      'rate_limited',
      'rate_limited',
      `Client "${client.name}" is over its rate limit of ${limit?.eventsPerSecond ?? 0} events/s (burst ${limit?.burst ?? 0}); retry after ${over.retryAfterSeconds} s`,
      { client: client.name, retryAfterSeconds: over.retryAfterSeconds, ...limit, cost },
    );
  };

  /** 403 unless the client's scopes allow every event (a batch is all or nothing). */
  const authorize = (res: Response, events: readonly { type: EventType }[], batch: boolean): void => {
    const client = clientOf(res);
    const missing = firstMissingScope(
      client.scopes,
      events.map((e) => e.type),
    );
    if (missing === null) return;
    const path = batch ? `events.${missing.index}` : '(body)';
    throw new IngestRejection(
      'insufficient_scope',
      'insufficient_scope',
      `Client "${client.name}" lacks the scope ${missing.missingScope} (or event:${missing.type}) needed for ${missing.type} at ${path}`,
      { missingScope: missing.missingScope, client: client.name, type: missing.type, path },
    );
  };

  const accept =
    (batch: boolean) =>
    async (req: Request, res: Response): Promise<void> => {
      const waitMs = waitOption(req.query);
      const claim = idempotencyClaim(req, res, batch);
      charge(res, batch ? Math.min(eventCount(req.body), maxBatchEvents) : 1);
      const result = batch ? validateBatch(req.body) : validateSingle(req.body);
      if (!result.ok) throw rejectionOf(result);
      authorize(res, result.events, batch);
      const eventClaims = eventClaimsOf(req, res, result.events, claim);
      const requestId = requestIdOf(res);
      const prepared: PreparedEvent[] = result.events.map((e) => prepareEvent(e, requestId));
      const oversize = oversizeIssues(prepared, batch);
      if (oversize.length > 0)
        throw new IngestRejection('payload_too_large', 'too_large', 'Event larger than 32 KiB', oversize);

      let handle = waitMs === null ? undefined : waiters.register(prepared.map((e) => e.eventId));
      let outcome: WriteResult;
      try {
        outcome = await writer.writeOnce(prepared, claim, eventClaims);
      } catch (err) {
        handle?.cancel();
        if (err instanceof AppError && !(err instanceof IngestRejection))
          throw new IngestRejection(err.code, err.code, err.message, err.details, { cause: err });
        throw err;
      }
      const { written, replayOf } = outcome;
      const replayed = (i: number): boolean => replayOf !== null || written[i]?.replayOf !== undefined;
      const client = clientOf(res).name;
      prepared.forEach((e, i) => {
        if (!replayed(i)) metrics.ingestAccepted.inc({ type: e.type, client });
      });
      if (prepared.some((_, i) => replayed(i))) {
        // Every event replayed: a retry, said so in a header. Replayed events are the first
        // request's, so wait for those.
        if (prepared.every((_, i) => replayed(i))) res.setHeader('Idempotent-Replayed', 'true');
        handle?.cancel();
        handle = handle && waiters.register(written.map((w) => w.eventId));
      }
      const body: Accepted[] = prepared.map((e, i) => ({
        eventId: written[i]?.eventId ?? e.eventId,
        requestId: written[i]?.replayOf ?? replayOf ?? requestId,
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
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const reason =
      err instanceof IngestRejection ? err.reason : err instanceof AppError ? err.code : 'internal';
    const client = (res.locals['client'] as { name?: string } | undefined)?.name ?? unauthenticatedClient;
    metrics.ingestRejected.inc({ reason, client }, eventCount(req.body));
    next(err);
  });
  return router;
}
