/**
 * A token bucket, pure: time comes in as `now` (ms). A null rate means
 * unlimited. Without a capacity, the bucket holds a tenth of a second's worth
 * of tokens (at least one), so the relay's limit of 50/s allows bursts of 5
 * and never more than about 50 in any second; a per-client ingest limit
 * passes its burst as the capacity. A full bucket starts full.
 */
export class TokenBucket {
  #rate: number | null = null;
  readonly #fixedCapacity: number | null;
  #capacity = 1;
  #tokens = 1;
  #updatedAt = 0;

  constructor(ratePerSecond: number | null, now: number, capacity: number | null = null) {
    this.#fixedCapacity = capacity === null ? null : Math.max(1, capacity);
    this.setRate(ratePerSecond, now);
  }

  get rate(): number | null {
    return this.#rate;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Changes the rate; tokens already saved stay, capped at the new capacity. */
  setRate(ratePerSecond: number | null, now: number): void {
    this.#refill(now);
    if (ratePerSecond === this.#rate) return;
    const first = this.#rate === null;
    this.#rate = ratePerSecond;
    this.#capacity =
      ratePerSecond === null ? 1 : (this.#fixedCapacity ?? Math.max(1, Math.ceil(ratePerSecond / 10)));
    this.#tokens = first ? this.#capacity : Math.min(this.#tokens, this.#capacity);
    this.#updatedAt = now;
  }

  /**
   * Milliseconds until `cost` tokens are available; 0 when they are there now.
   * A cost above the capacity is never available: Infinity.
   */
  waitMs(now: number, cost = 1): number {
    if (this.#rate === null) return 0;
    if (cost > this.#capacity) return Number.POSITIVE_INFINITY;
    this.#refill(now);
    if (this.#tokens >= cost) return 0;
    return Math.ceil(((cost - this.#tokens) / this.#rate) * 1000);
  }

  /** Takes `cost` tokens if they are all there; takes nothing otherwise. */
  take(now: number, cost = 1): boolean {
    if (this.#rate === null) return true;
    this.#refill(now);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  #refill(now: number): void {
    if (this.#rate === null) {
      this.#updatedAt = now;
      return;
    }
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed / 1000) * this.#rate);
    this.#updatedAt = now;
  }
}
