import type { ControlSpec } from '@sketchyaf/control';
import { TokenBucket } from './tokenBucket.ts';

/**
 * The relay's live limits from runtime control, read by the relay before
 * each claim and each publish: paused (claim nothing, start nothing),
 * concurrency (publishes in flight) and the publish rate. Pure: time comes
 * in as `now`.
 */
export class RelayLimits {
  /** RELAY_CONCURRENCY: the ceiling (the PubNub socket pool and the claim buffer are sized for it). */
  readonly maxConcurrency: number;
  #paused = false;
  #concurrency: number;
  readonly #bucket: TokenBucket;

  constructor(maxConcurrency: number, now: number) {
    this.maxConcurrency = maxConcurrency;
    this.#concurrency = maxConcurrency;
    this.#bucket = new TokenBucket(null, now);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Publishes allowed in flight now (0 while paused). */
  get concurrency(): number {
    return this.#paused ? 0 : this.#concurrency;
  }

  get ratePerSecond(): number | null {
    return this.#bucket.rate;
  }

  set(spec: ControlSpec, now: number): void {
    this.#paused = spec.broadcasting === 'paused';
    this.#concurrency = Math.min(spec.relay.concurrency ?? this.maxConcurrency, this.maxConcurrency);
    this.#bucket.setRate(spec.relay.publishRatePerSecond, now);
  }

  /** Milliseconds before the next publish may start: 0 now, Infinity while paused. */
  startDelay(now: number): number {
    if (this.#paused) return Number.POSITIVE_INFINITY;
    return this.#bucket.waitMs(now);
  }

  /** A publish starts: takes its token. */
  started(now: number): void {
    this.#bucket.take(now);
  }
}
