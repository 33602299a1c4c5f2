/**
 * A token bucket for the relay's publish-rate limit. Pure: time comes in as
 * `now` (ms). A null rate means unlimited. The bucket holds up to a tenth of
 * a second's worth of tokens (at least one), so a limit of 50/s allows bursts
 * of 5 and never more than about 50 in any second.
 */
export class TokenBucket {
  #rate: number | null = null;
  #capacity = 1;
  #tokens = 1;
  #updatedAt = 0;

  constructor(ratePerSecond: number | null, now: number) {
    this.setRate(ratePerSecond, now);
  }

  get rate(): number | null {
    return this.#rate;
  }

  /** Changes the rate; tokens already saved stay, capped at the new capacity. */
  setRate(ratePerSecond: number | null, now: number): void {
    this.#refill(now);
    if (ratePerSecond === this.#rate) return;
    const first = this.#rate === null;
    this.#rate = ratePerSecond;
    this.#capacity = ratePerSecond === null ? 1 : Math.max(1, Math.ceil(ratePerSecond / 10));
    this.#tokens = first ? this.#capacity : Math.min(this.#tokens, this.#capacity);
    this.#updatedAt = now;
  }

  /** Milliseconds until a token is available; 0 when one is there now. */
  waitMs(now: number): number {
    if (this.#rate === null) return 0;
    this.#refill(now);
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /** Takes a token if one is there. */
  take(now: number): boolean {
    if (this.#rate === null) return true;
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
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
