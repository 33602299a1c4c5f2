/**
 * What PubNub's answer to a publish means, for publishers that read the HTTP
 * response themselves. Same categories as the SDK publisher: both go through
 * classifyPublishFailure with PubNub's status and its description.
 */
import { parseRetryAfter } from './backoff.ts';
import {
  classifyPublishFailure,
  ConfigurationPublishError,
  PoisonPublishError,
  RateLimitedPublishError,
  TransientPublishError,
  type PublishError,
} from './publishErrors.ts';

export type PublishAnswer = { ok: true; timetoken: string } | { ok: false; error: PublishError };

/**
 * `200 [1,"Sent","<timetoken>"]` is success; anything else is a failure
 * described by the publish array's second element (`[0,"Invalid Key",…]`) or
 * the JSON error's `message` (Access Manager's 403, the balancer's 429/5xx).
 */
export function readPublishAnswer(
  statusCode: number,
  bodyText: string,
  retryAfter: string | undefined,
  nowMs: number,
  rateLimitDefaultMs: number,
): PublishAnswer {
  const body = parseJson(bodyText);
  if (statusCode === 200 && Array.isArray(body) && body[0] === 1 && isTimetoken(body[2]))
    return { ok: true, timetoken: String(body[2]) };
  // A 200 without a timetoken: PubNub did not say it accepted the message; retry.
  const status = statusCode === 200 ? 0 : statusCode;
  const detail = describe(body, bodyText, statusCode);
  switch (classifyPublishFailure(status, detail)) {
    case 'rate_limited': {
      const retryAfterMs = parseRetryAfter(retryAfter, nowMs) ?? rateLimitDefaultMs;
      return { ok: false, error: new RateLimitedPublishError(`PubNub 429: ${detail}`, retryAfterMs) };
    }
    case 'configuration':
      return { ok: false, error: new ConfigurationPublishError(`PubNub ${status}: ${detail}`, status) };
    case 'poison':
      return { ok: false, error: new PoisonPublishError(`PubNub ${status}: ${detail}`, status) };
    case 'transient':
      return {
        ok: false,
        error: new TransientPublishError(`PubNub ${status || 'no response'}: ${detail}`, status),
      };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isTimetoken(value: unknown): boolean {
  return (typeof value === 'string' && /^\d+$/.test(value)) || (typeof value === 'number' && value > 0);
}

function describe(body: unknown, text: string, statusCode: number): string {
  if (Array.isArray(body) && typeof body[1] === 'string') return body[1];
  if (body !== null && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  const trimmed = text.trim().slice(0, 200);
  return trimmed === '' ? `HTTP ${statusCode}` : trimmed;
}
