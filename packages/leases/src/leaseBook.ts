import { LeaseExpiredError, type LeaseError } from './leaseErrors.ts';

export interface LeaseTiming {
  /** Lease time to live in Redis, milliseconds. */
  ttlMs: number;
  /**
   * Subtracted from the TTL: Redis expiry precision (2 ms), clock drift
   * between Redis and us (1 % of the TTL, as Redlock assumes), and a safety
   * margin for the gap between a validity check and the side effect it
   * guards (timer lateness, an event-loop stall).
   */
  marginMs: number;
}

/** Redlock's drift (1 % of the TTL + 2 ms) plus a safety margin, 10 % of the TTL by default. */
export function leaseMarginMs(ttlMs: number, safetyMs = Math.round(ttlMs / 10)): number {
  return Math.round(ttlMs * 0.01) + 2 + safetyMs;
}

/**
 * A lease granted by a request sent at `requestStartedAt` (monotonic ms) is
 * ours until this instant at the latest: Redis started the key's TTL after
 * the request left, so counting from the send time is conservative.
 */
export function leaseValidUntil(requestStartedAt: number, timing: LeaseTiming): number {
  return requestStartedAt + timing.ttlMs - timing.marginMs;
}

interface Held<L> {
  lock: L;
  validUntil: number;
  controller: AbortController;
}

/**
 * Validity bookkeeping for the leases one replica holds: monotonic clock
 * only, no I/O. A shard is valid until its validity instant; its AbortSignal
 * is aborted when it is dropped (expired, lost or released), so work for the
 * shard stops before anyone else can hold it.
 */
export class LeaseBook<L> {
  readonly #timing: LeaseTiming;
  readonly #held = new Map<number, Held<L>>();

  constructor(timing: LeaseTiming) {
    this.#timing = timing;
  }

  get size(): number {
    return this.#held.size;
  }

  /**
   * Records a lease (new or extended) granted by a request sent at
   * `requestStartedAt`. Returns false when the answer came too late to leave
   * any validity: a new lease is then not recorded, an extended one keeps
   * its validity but takes the new lock (the old handle is spent).
   */
  grant(shard: number, lock: L, requestStartedAt: number, now: number): boolean {
    const validUntil = leaseValidUntil(requestStartedAt, this.#timing);
    const fresh = validUntil > now;
    const held = this.#held.get(shard);
    if (held) {
      held.lock = lock;
      if (fresh) held.validUntil = Math.max(held.validUntil, validUntil);
    } else if (fresh) {
      this.#held.set(shard, { lock, validUntil, controller: new AbortController() });
    }
    return fresh;
  }

  has(shard: number): boolean {
    return this.#held.has(shard);
  }

  lockOf(shard: number): L | undefined {
    return this.#held.get(shard)?.lock;
  }

  isValid(shard: number, now: number): boolean {
    const held = this.#held.get(shard);
    return held !== undefined && now < held.validUntil;
  }

  remainingMs(shard: number, now: number): number {
    const held = this.#held.get(shard);
    return held ? Math.max(0, held.validUntil - now) : 0;
  }

  /** Aborted when the lease ends; an already-aborted signal when the shard is not held. */
  signal(shard: number): AbortSignal {
    return (
      this.#held.get(shard)?.controller.signal ??
      AbortSignal.abort(new LeaseExpiredError(`shard ${shard} is not held`, { shard }))
    );
  }

  /** Forgets a lease and aborts its signal with `reason`; returns its lock, if it was held. */
  drop(shard: number, reason: LeaseError): L | undefined {
    const held = this.#held.get(shard);
    if (!held) return undefined;
    this.#held.delete(shard);
    held.controller.abort(reason);
    return held.lock;
  }

  /** Shards whose validity has ended at `now`. */
  expired(now: number): number[] {
    const shards: number[] = [];
    for (const [shard, held] of this.#held) if (now >= held.validUntil) shards.push(shard);
    return shards;
  }

  /** The earliest validity instant, or +Infinity when nothing is held. */
  nextExpiry(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const held of this.#held.values()) next = Math.min(next, held.validUntil);
    return next;
  }

  shards(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }
}
