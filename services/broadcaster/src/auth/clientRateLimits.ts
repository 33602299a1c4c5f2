import { TokenBucket } from '../control/tokenBucket.ts';
import type { RateLimit } from './clients.ts';

/** Refused: how long until the request's events fit in the bucket, whole seconds for Retry-After. */
export interface OverLimit {
  retryAfterSeconds: number;
}

/**
 * One token bucket per client, in this replica's memory: N replicas let a
 * client through at N times its rate. A request costs its events (a batch of
 * 50 costs 50); a refused request costs nothing. Pure: time comes in as `now`
 * (monotonic ms).
 */
export class ClientRateLimits {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #maxBuckets: number;

  /**
   * `maxBuckets` bounds memory when callers are many (player tokens): past it
   * the oldest bucket is forgotten, which only lets that caller start full again.
   */
  constructor(options: { maxBuckets?: number } = {}) {
    this.#maxBuckets = options.maxBuckets ?? Number.POSITIVE_INFINITY;
  }

  /** Takes `cost` events from the client's bucket; null when it had them (or has no limit). */
  charge(client: { name: string; rateLimit: RateLimit | null }, cost: number, now: number): OverLimit | null {
    const limit = client.rateLimit;
    if (limit === null) return null;
    let bucket = this.#buckets.get(client.name);
    if (!bucket) {
      bucket = new TokenBucket(limit.eventsPerSecond, now, limit.burst);
      this.#buckets.set(client.name, bucket);
      if (this.#buckets.size > this.#maxBuckets) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    if (bucket.take(now, cost)) return null;
    const waitMs = bucket.waitMs(now, cost);
    // A cost above the burst never fits; config keeps the burst at least a full batch, so this is a guard.
    const seconds = Number.isFinite(waitMs)
      ? Math.ceil(waitMs / 1000)
      : Math.ceil(limit.burst / limit.eventsPerSecond);
    return { retryAfterSeconds: Math.max(1, seconds) };
  }
}
