import { defaultRetrySettings, parseRetryAfter, type RetrySettings } from './backoff.ts';
import { sleep, systemClock, type ClientClock } from './clock.ts';
import {
  RealtimeApiError,
  RealtimeError,
  RealtimeNetworkError,
  RealtimeTimeoutError,
  isRecord,
  parseErrorBody,
} from './errors.ts';
import type { RealtimeEvent } from './events.ts';
import { attemptPost, type AttemptOutcome } from './httpAttempt.ts';
import { parseReceipt, parseReceipts, type EventReceipt } from './receipts.ts';
import { nextRetry } from './retryPolicy.ts';

export interface ClientOptions {
  /** The broadcaster's base URL, e.g. `https://realtime.example.com` (no `/v1`). */
  baseUrl: string;
  /** An API token (`BROADCAST_API_TOKENS`), sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Per attempt, answer read in full (waiting for delivery adds its own wait). Default 10 000. */
  timeoutMs?: number;
  /** Defaults: 5 attempts, back-off from 200 ms doubling to 5 s, no retry after 30 s. */
  retry?: Partial<RetrySettings>;
  /** Called before each retry's wait: for logs and metrics. */
  onRetry?: (retry: RetryInfo) => void;
  fetch?: typeof fetch;
  clock?: ClientClock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: RealtimeError;
}

export interface SendOptions {
  /**
   * Names the request: a retry with the same key (within 24 h, same body) is
   * answered with the first answer and writes nothing. Default: a random UUID
   * per call, reused by the client's own retries. Pass your own (e.g. derived
   * from your database row) to make retries across restarts of your backend safe.
   */
  idempotencyKey?: string;
  /** Answer only once the event is published to PubNub, or after `timeoutMs` (server default and cap: 10 000). */
  waitForDelivery?: boolean | { timeoutMs: number };
  /** Cancels the request and its retries; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Outcome {
  /** Whether the API answered from an earlier request with the same key (`Idempotent-Replayed: true`). */
  replayed: boolean;
  idempotencyKey: string;
  attempts: number;
}

export type SendResult = EventReceipt & Outcome;

export interface AccessTokenRequest {
  userId: string;
  gameIds: readonly string[];
  /** 1 to 1440; the API's default is 60. */
  ttlMinutes?: number;
}

export interface AccessToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  /** The channels the token may read. */
  channels: string[];
}

/** The API's answer to an access-token grant, or null when it is not one. */
function parseAccessToken(value: unknown): AccessToken | null {
  if (!isRecord(value)) return null;
  const { token, expiresAt, channels } = value;
  if (typeof token !== 'string' || typeof expiresAt !== 'string' || !Array.isArray(channels)) return null;
  if (!channels.every((c): c is string => typeof c === 'string')) return null;
  return { token, expiresAt, channels };
}
export type BatchResult = Outcome & { events: EventReceipt[] };

export interface RealtimeClient {
  /** `POST /v1/events`. */
  send(event: RealtimeEvent, options?: SendOptions): Promise<SendResult>;
  /** `POST /v1/events/batch`: all events are written, or none; receipts in the order given. */
  sendBatch(events: readonly RealtimeEvent[], options?: SendOptions): Promise<BatchResult>;
  /**
   * `POST /v1/access-tokens` (scope `tokens:grant`, Access Manager on): a PubNub token with which
   * `userId`'s client (`pubnub.setToken(token)`) reads its games' channels and `user.<userId>`, nothing else.
   */
  grantAccessToken(request: AccessTokenRequest, options?: Pick<SendOptions, 'signal'>): Promise<AccessToken>;
}

/** The server waits at most this long for delivery when asked to wait without a timeout. */
const serverWaitCapMs = 10_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function retrySettingsOf(retry: Partial<RetrySettings> | undefined): RetrySettings {
  const d = defaultRetrySettings;
  const maxAttempts = positive('retry.maxAttempts', retry?.maxAttempts, d.maxAttempts);
  if (!Number.isInteger(maxAttempts)) throw new RangeError('retry.maxAttempts must be an integer');
  return {
    maxAttempts,
    baseDelayMs: positive('retry.baseDelayMs', retry?.baseDelayMs, d.baseDelayMs),
    maxDelayMs: positive('retry.maxDelayMs', retry?.maxDelayMs, d.maxDelayMs),
    maxElapsedMs: positive('retry.maxElapsedMs', retry?.maxElapsedMs, d.maxElapsedMs),
  };
}

/** A client for the ingest API; options are checked here, so a typo fails at start-up. */
export function createClient(options: ClientOptions): RealtimeClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError('baseUrl must be an http or https URL');
  if (!/^[\x21-\x7e]+$/.test(options.token)) throw new TypeError('token must be non-empty printable ASCII');
  const timeoutMs = positive('timeoutMs', options.timeoutMs, 10_000);
  const settings = retrySettingsOf(options.retry);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;

  async function post<T>(
    path: string,
    payload: unknown,
    opts: SendOptions,
    read: (body: unknown) => T | null,
  ): Promise<{ receipts: T } & Outcome> {
    const idempotencyKey = opts.idempotencyKey ?? globalThis.crypto.randomUUID();
    const url = new URL(path, root);
    let waitMs = 0;
    if (opts.waitForDelivery !== undefined && opts.waitForDelivery !== false) {
      url.searchParams.set('wait', 'published');
      waitMs = serverWaitCapMs;
      if (typeof opts.waitForDelivery === 'object') {
        waitMs = opts.waitForDelivery.timeoutMs;
        url.searchParams.set('waitTimeoutMs', String(waitMs));
      }
    }
    const request = {
      url: url.href,
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(payload),
      timeoutMs: timeoutMs + waitMs,
      signal: opts.signal,
    };
    const started = clock.now();
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await attemptPost(fetchFn, clock, request);
      const context = { idempotencyKey, attempts: attempt };
      const answer = interpret(outcome, read, context, request.timeoutMs);
      if (!(answer instanceof RealtimeError)) return { ...answer, idempotencyKey, attempts: attempt };
      const retryAfterMs = answer instanceof RealtimeApiError ? answer.retryAfterMs : null;
      const decision = nextRetry(
        { kind: answer.kind, retryAfterMs },
        attempt,
        clock.now() - started,
        settings,
        random,
      );
      if (!decision.retry) throw answer;
      options.onRetry?.({ attempt, delayMs: decision.delayMs, error: answer });
      await sleep(clock, decision.delayMs, opts.signal);
    }
  }

  return {
    async send(event, opts = {}) {
      const { receipts, ...outcome } = await post('v1/events', event, opts, (body) => {
        const receipt = parseReceipt(body);
        return receipt && [receipt];
      });
      const [receipt] = receipts;
      if (!receipt) throw new Error('unreachable: a single answer without its receipt');
      return { ...receipt, ...outcome };
    },
    async sendBatch(events, opts = {}) {
      const { receipts, ...outcome } = await post('v1/events/batch', { events }, opts, (body) =>
        parseReceipts(body, events.length),
      );
      return { events: receipts, ...outcome };
    },
    async grantAccessToken(request, opts = {}) {
      // Granting again is harmless, so retries need no key; the header is sent and ignored.
      const { receipts } = await post('v1/access-tokens', request, opts, parseAccessToken);
      return receipts;
    },
  };
}

/** A success's receipts, or the error the outcome stands for. */
function interpret<T>(
  outcome: AttemptOutcome,
  read: (body: unknown) => T | null,
  context: { idempotencyKey: string; attempts: number },
  timeoutMs: number,
): { receipts: T; replayed: boolean } | RealtimeError {
  if (outcome.type === 'timeout') return new RealtimeTimeoutError(timeoutMs, context);
  if (outcome.type === 'network')
    return new RealtimeNetworkError(`request failed: ${describe(outcome.error)}`, {
      ...context,
      cause: outcome.error,
    });
  const { status, headers, body } = outcome;
  if (status >= 200 && status < 300) {
    const receipts = read(body);
    if (receipts === null)
      return new RealtimeError('unexpected', `HTTP ${status} with a body that is not a receipt`, context);
    return { receipts, replayed: headers.get('idempotent-replayed') === 'true' };
  }
  return new RealtimeApiError(
    parseErrorBody(status, body),
    parseRetryAfter(headers.get('retry-after'), Date.now()),
    context,
  );
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNRESET, ECONNREFUSED, …). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message} (${typeof code === 'string' ? code : cause.message})`;
  }
  return error.message;
}
