// One error class per way a publish can fail; the relay and the circuit
// breaker decide by class, never by parsing messages.

export type PublishFailureKind = 'transient' | 'rate_limited' | 'poison';

export abstract class PublishError extends Error {
  abstract readonly kind: PublishFailureKind;
  /** HTTP status from PubNub; 0 when there was no response (network, timeout). */
  readonly statusCode: number;

  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/** Network failure, timeout, 5xx, 408, or an unreadable response: try again later. */
export class TransientPublishError extends PublishError {
  readonly kind = 'transient';
  override name = 'TransientPublishError';
}

/** 429: PubNub asks us to slow down, for `retryAfterMs`. */
export class RateLimitedPublishError extends PublishError {
  readonly kind = 'rate_limited';
  override name = 'RateLimitedPublishError';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, 429, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Any other 4xx: this event will never be accepted as it is (dead-letter it). */
export class PoisonPublishError extends PublishError {
  readonly kind = 'poison';
  override name = 'PoisonPublishError';
}

/**
 * The publish succeeded but took longer than the slow-call threshold. Thrown
 * inside the circuit breaker so that a slow PubNub opens it; the relay treats
 * the event as published.
 */
export class SlowPublishError extends Error {
  override name = 'SlowPublishError';
  readonly timetoken: string;
  readonly ms: number;

  constructor(timetoken: string, ms: number) {
    super(`publish took ${Math.round(ms)} ms`);
    this.timetoken = timetoken;
    this.ms = ms;
  }
}

/**
 * What a failure means, from PubNub's HTTP status (0 = no response): 429 is
 * rate limiting, 408 and 5xx are transient, other 4xx are the event's fault.
 */
export function classifyStatus(statusCode: number): PublishFailureKind {
  if (statusCode === 429) return 'rate_limited';
  if (statusCode >= 400 && statusCode < 500 && statusCode !== 408) return 'poison';
  return 'transient';
}
