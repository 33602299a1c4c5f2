// One error class per way a publish can fail; the relay and the circuit
// breaker decide by class. The class is chosen once, by classifyPublishFailure.

/**
 * - transient: PubNub or the network is unwell; retry later.
 * - rate_limited: PubNub asks us to slow down (429).
 * - configuration: PubNub refuses our keys or keyset (401, 403, 400 "Invalid Key"…). Every
 *   event would be refused the same way, so the event is not to blame: it waits in the outbox.
 * - poison: PubNub refuses this event as it is (too large, malformed); dead-letter it.
 */
export type PublishFailureKind = 'transient' | 'rate_limited' | 'configuration' | 'poison';

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

/** PubNub refuses our credentials or keyset: an operator must act; the event waits. */
export class ConfigurationPublishError extends PublishError {
  readonly kind = 'configuration';
  override name = 'ConfigurationPublishError';
}

/** PubNub refuses this event as it is (too large, malformed): dead-letter it. */
export class PoisonPublishError extends PublishError {
  readonly kind = 'poison';
  override name = 'PoisonPublishError';
}

/**
 * What a 400 says about our keys rather than the message. PubNub answers a
 * publish with an unknown key `400 [0,"Invalid Key",…]` (the SDK hands over
 * "Invalid Key" as errorData), and signature or token problems name them.
 */
const keyProblem =
  /invalid (publish |subscribe |secret )?key|invalid signature|signature (does not match|mismatch)|invalid token|token (is )?(expired|revoked)|auth(orization)? (key|token)/i;

/**
 * What a failure means, from PubNub's HTTP status (0 = no response) and the
 * description it gave (errorData's message, or the publish array's second
 * element). Only causes that belong to the event dead-letter it: 413/414 (too
 * large) and a 400 about the message (Invalid JSON, Invalid Channel…). A 4xx
 * we do not recognise is treated as configuration: holding events and paging
 * someone is recoverable, dead-lettering every event is not.
 */
export function classifyPublishFailure(statusCode: number, description = ''): PublishFailureKind {
  if (statusCode === 429) return 'rate_limited';
  if (statusCode === 0 || statusCode === 408 || statusCode >= 500 || statusCode < 400) return 'transient';
  if (statusCode === 413 || statusCode === 414) return 'poison';
  if (statusCode === 400) return keyProblem.test(description) ? 'configuration' : 'poison';
  // 401, 403 (Access Manager), 402 (feature not enabled on the keyset), 404 (wrong origin), others.
  return 'configuration';
}
