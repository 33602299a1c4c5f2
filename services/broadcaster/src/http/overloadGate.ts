import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFor, retryAfterOf, type FrontGate } from '@sketchyaf/core';
import type { IngestRejection } from '../errors.ts';

export interface OverloadGateOptions {
  /** The write queue's answer to a request of one event: a 503 overloaded, or null when it has room. */
  refusal: () => IngestRejection | null;
  /** Counts a refusal (the ingest rejection metric). */
  onRefused: (rejection: IngestRejection) => void;
}

/** Route labels of the gated routes, as Express labels them. */
const gatedRoutes = new Map([
  ['/v1/events', '/v1/events'],
  ['/v1/events/batch', '/v1/events/batch'],
]);

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Refuses ingest POSTs with 503 overloaded in front of Express while the
 * write queue is full. At twice the sustainable rate a saturated process must
 * refuse faster than it accepts, or the refusals themselves keep it behind:
 * through Express a refusal cost about 200 µs (request id, metrics, CORS,
 * auth, router), here it is the answer's write. The answer is the one core's
 * error handler gives (same body, Retry-After, X-Request-Id); the body is
 * never read, and the token is not checked (nothing is done on its behalf).
 */
export function overloadGate(options: OverloadGateOptions): FrontGate {
  // The body up to its requestId, built once per refusal kind.
  const prefixes = new WeakMap<IngestRejection, string>();
  return (req: IncomingMessage, res: ServerResponse): string | null => {
    if (req.method !== 'POST') return null;
    const route = gatedRoutes.get(pathOf(req.url));
    if (route === undefined) return null;
    const rejection = options.refusal();
    if (rejection === null) return null;
    let prefix = prefixes.get(rejection);
    if (prefix === undefined) {
      const error = { code: rejection.code, message: rejection.message, details: rejection.details ?? null };
      prefix = `{"error":${JSON.stringify(error)},"requestId":`;
      prefixes.set(rejection, prefix);
    }
    const requestId = requestIdFor(req.headers['x-request-id']);
    const body = `${prefix}${JSON.stringify(requestId)}}`;
    res.writeHead(rejection.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(retryAfterOf(rejection.details) ?? 1),
      'x-request-id': requestId,
    });
    res.end(body);
    options.onRefused(rejection);
    return route;
  };
}
