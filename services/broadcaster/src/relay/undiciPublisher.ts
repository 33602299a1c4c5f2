import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { errorMessage, systemClock } from '@sketchyaf/core';
import { exchange, type Exchange } from './httpExchange.ts';
import { postAboveBytes, type Publisher, type PublisherTarget } from './publisher.ts';
import { buildPublishRequest } from './publishRequest.ts';
import { readPublishAnswer } from './publishResponse.ts';
import { TransientPublishError } from './publishErrors.ts';

export interface UndiciPublisherOptions extends PublisherTarget {
  /** No connection, or no answer (headers, then each body chunk), within this: transient. */
  timeoutMs: number;
  /** Keep-alive connections to PubNub. */
  connections: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1: none. */
  pipelining: number;
}

// undici's own error codes for its connect, headers and body timeouts.
const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Publishes through PubNub's REST publish API on one undici keep-alive pool:
 * the request the SDK would send (publishRequest.ts), without the SDK's
 * per-publish WHATWG Request/Response, AbortSignal and timer. The timeout is
 * undici's headersTimeout/bodyTimeout, kept on its connection timers rather
 * than a timer per publish, so it runs on real time, not the injected clock.
 */
export function createUndiciPublisher(options: UndiciPublisherOptions): Publisher {
  const clock = options.clock ?? systemClock;
  const keys = {
    publishKey: options.publishKey,
    subscribeKey: options.subscribeKey,
    userId: options.userId,
    secretKey: options.secretKey ?? null,
  };
  const pool = new Pool(`${options.ssl ? 'https' : 'http'}://${options.origin}`, {
    connections: options.connections,
    pipelining: options.pipelining,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
  });

  return {
    async publish(channel, message, approxBytes) {
      const request = buildPublishRequest(
        keys,
        channel,
        JSON.stringify(message),
        approxBytes > postAboveBytes,
        randomUUID(),
        clock.now(),
      );
      let answered: Exchange;
      try {
        answered = await exchange(pool, request);
      } catch (err) {
        throw networkError(err, options.timeoutMs);
      }
      const { statusCode, text, retryAfter } = answered;
      const answer = readPublishAnswer(statusCode, text, retryAfter, clock.now(), options.rateLimitDefaultMs);
      if (answer.ok) return answer.timetoken;
      throw answer.error;
    },
    close() {
      // In-flight publishes fail as transient; the relay has drained before the publisher closes.
      pool.destroy().catch(() => undefined);
    },
  };
}

function networkError(err: unknown, timeoutMs: number): TransientPublishError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && timeoutCodes.has(code))
    return new TransientPublishError(`no answer from PubNub within ${timeoutMs} ms`, 0, { cause: err });
  const detail = errorMessage(err);
  return new TransientPublishError(`PubNub no response: ${detail}`, 0, { cause: err });
}
