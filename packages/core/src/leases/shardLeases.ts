import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import type { Logger } from '../logging/logger.ts';
import { targetShards } from './assignment.ts';
import { quorumOf } from './classifyVotes.ts';
import { LeaseBook, leaseMarginMs } from './leaseBook.ts';
import { leaseErrorFor, LeaseReleasedError, type LeaseFailureReason } from './leaseErrors.ts';
import { createLeaseMetrics, type LeaseMetrics } from './leaseMetrics.ts';
import { Membership } from './membership.ts';
import { closeClients, createLeaseRedisClient, waitForReady } from './redisNodes.ts';
import { RedlockNodes, type Lock } from './redlockNodes.ts';

export interface ShardLeasesOptions {
  /** Key name space, one per service, e.g. `sketchyaf:realtime:timer-monitor`. */
  prefix: string;
  shardCount: number;
  /** Lease time to live. Rounds run every third of it; a crashed replica's shards move within about 1.4x. */
  ttlMs: number;
  /**
   * The Redis nodes (independent servers, not a cluster; a majority must
   * agree): URLs, for clients created and closed here, or clients owned by
   * the caller (create them with `enableOfflineQueue: false`).
   */
  redis: { urls: readonly string[] } | { clients: readonly Redis[] };
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** Unique per replica; defaults to host name, pid and a random suffix. */
  memberId?: string;
  /** Time between lease rounds; a third of the TTL by default. */
  roundIntervalMs?: number;
  /** Validity is cut short by this much beyond Redlock's drift allowance; a tenth of the TTL by default. */
  safetyMarginMs?: number;
  /** A Redis node that does not answer within this votes "no"; a fifth of the TTL (at most 1 s) by default. */
  commandTimeoutMs?: number;
}

export interface ShardLeasesStatus {
  memberId: string;
  shardCount: number;
  /** Live replicas in the last successful heartbeat, this one included. */
  members: number;
  owned: number;
  /** This replica's fair share under the current membership. */
  target: number;
  /** Completed lease rounds. */
  rounds: number;
  /** Set while the last heartbeat found Redis unreachable or without a quorum. */
  problem: { reason: LeaseFailureReason; message: string } | undefined;
}

/**
 * Redlock leases on a fair share of `shardCount` shards. Each round (a third
 * of the TTL) heartbeats the membership, computes this replica's target
 * share (balanced rendezvous hashing), releases shards no longer targeted
 * once the membership has held still for a round (so different views cannot
 * ping-pong a shard), acquires free targeted shards and extends held ones.
 *
 * Validity is tracked here, on the monotonic clock: a lease is valid until
 * the request that granted it was sent + TTL - margin. When that passes
 * without a successful extension, or a majority says another owner has the
 * key, the shard's AbortSignal fires and 'owned' is emitted without it,
 * before the key can expire in Redis and be taken elsewhere.
 *
 * Emits 'owned' (ReadonlySet<number>) whenever the set of held shards changes.
 */
export class ShardLeases extends EventEmitter<{ owned: [ReadonlySet<number>] }> {
  readonly memberId: string;
  readonly #options: ShardLeasesOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: LeaseMetrics;
  readonly #book: LeaseBook<Lock>;
  readonly #roundIntervalMs: number;
  readonly #commandTimeoutMs: number;
  #clients: readonly Redis[] = [];
  #redlock: RedlockNodes | undefined;
  #membership: Membership | undefined;
  #membersKey = '';
  #members = 0;
  #stableRounds = 0;
  #target: ReadonlySet<number> = new Set();
  #owned: ReadonlySet<number> = new Set();
  #problem: ShardLeasesStatus['problem'];
  #rounds = 0;
  readonly #lastFailure = new Map<number, LeaseFailureReason>();
  readonly #background = new Set<Promise<unknown>>();
  #roundTimer: TimerHandle | undefined;
  #expiryTimer: TimerHandle | undefined;
  #round: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: ShardLeasesOptions) {
    super();
    const { ttlMs, shardCount } = options;
    if (!Number.isInteger(ttlMs) || ttlMs < 100) throw new Error('ttlMs must be an integer of at least 100');
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error('shardCount must be at least 1');
    const marginMs = leaseMarginMs(ttlMs, options.safetyMarginMs);
    this.#roundIntervalMs = options.roundIntervalMs ?? Math.round(ttlMs / 3);
    if (this.#roundIntervalMs >= ttlMs - marginMs) {
      throw new Error(`roundIntervalMs must be below the lease validity (${ttlMs - marginMs} ms)`);
    }
    this.#commandTimeoutMs = options.commandTimeoutMs ?? Math.max(50, Math.min(1000, Math.round(ttlMs / 5)));
    this.#options = options;
    this.memberId = options.memberId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#metrics = createLeaseMetrics(options.registry);
    this.#book = new LeaseBook({ ttlMs, marginMs });
  }

  /** Shards held now. */
  get owned(): ReadonlySet<number> {
    return this.#owned;
  }

  /** Whether the lease on `shard` is held and still valid by our own clock. Check before each side effect. */
  isValid(shard: number): boolean {
    return this.#book.isValid(shard, this.#clock.monotonic());
  }

  remainingMs(shard: number): number {
    return this.#book.remainingMs(shard, this.#clock.monotonic());
  }

  /** Aborted (with a LeaseError) when the lease on `shard` ends; already aborted when it is not held. */
  signal(shard: number): AbortSignal {
    return this.#book.signal(shard);
  }

  status(): ShardLeasesStatus {
    return {
      memberId: this.memberId,
      shardCount: this.#options.shardCount,
      members: this.#members,
      owned: this.#owned.size,
      target: this.#target.size,
      rounds: this.#rounds,
      problem: this.#problem,
    };
  }

  /** Connects (waiting at most the TTL for a quorum of nodes) and runs the first round. Redis being down is not an error here. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Releases every lease and leaves the membership; safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #start(): Promise<void> {
    const { redis, ttlMs, shardCount, prefix } = this.#options;
    this.#metrics.shardCount.set(shardCount);
    this.#clients =
      'clients' in redis
        ? redis.clients
        : redis.urls.map((url) =>
            createLeaseRedisClient(url, {
              connectTimeoutMs: Math.min(ttlMs, 5000),
              commandTimeoutMs: this.#commandTimeoutMs,
              connectionName: `lease-${this.memberId}`.replace(/[^A-Za-z0-9_.:-]/g, '_'),
              onError: (err) => this.#logger.debug('lease redis connection error', { err: err.message }),
            }),
          );
    if (this.#clients.length === 0) throw new Error('ShardLeases needs at least one Redis node');
    this.#redlock = new RedlockNodes(this.#clients);
    this.#membership = new Membership({
      clients: this.#clients,
      key: `${prefix}:members`,
      memberId: this.memberId,
      ttlMs,
    });
    await waitForReady(this.#clients, quorumOf(this.#clients.length), Math.min(ttlMs, 5000), this.#clock);
    if (this.#stopping) return;
    this.#startRound();
    await this.#round;
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    this.#clearTimer('round');
    this.#clearTimer('expiry');
    await this.#round;
    const locks: Lock[] = [];
    for (const shard of this.#book.shards()) {
      const lock = this.#book.drop(shard, new LeaseReleasedError('replica stopping', { shard }));
      if (lock) locks.push(lock);
    }
    this.#publishOwned();
    const redlock = this.#redlock;
    await Promise.all([
      ...locks.map((lock) => redlock?.release(lock)),
      this.#membership?.leave().catch(() => undefined),
      ...this.#background,
    ]);
    if (!('clients' in this.#options.redis)) await closeClients(this.#clients, 1000);
    this.#logger.info('shard leases released', { memberId: this.memberId, released: locks.length });
  }

  #startRound(): void {
    const startedAt = this.#clock.monotonic();
    this.#round = this.#runRound()
      .catch((err: unknown) => {
        this.#logger.error('lease round failed', { err: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.#round = undefined;
        this.#rounds += 1;
        if (this.#stopping) return;
        const delay = Math.max(0, this.#nextRoundInMs() - (this.#clock.monotonic() - startedAt));
        this.#roundTimer = this.#clock.setTimeout(() => {
          this.#roundTimer = undefined;
          this.#startRound();
        }, delay);
        this.#roundTimer.unref?.();
      });
  }

  /**
   * A third of the usual interval while ownership is in motion: the membership
   * just changed (confirm it, then release) or a targeted shard is still not
   * ours (take it as soon as its holder lets go). Otherwise a survivor-to-
   * survivor handover after a crash costs two more full rounds on top of the
   * dead replica's TTL, which alone can reach 2 x TTL.
   */
  #nextRoundInMs(): number {
    const settling = this.#stableRounds === 0 || [...this.#target].some((shard) => !this.#book.has(shard));
    return settling ? Math.round(this.#roundIntervalMs / 3) : this.#roundIntervalMs;
  }

  async #runRound(): Promise<void> {
    const view = await this.#requireMembership().heartbeat();
    this.#metrics.redisNodesUp.set(view.nodesAnswering);
    if (this.#stopping) return;
    if (view.ok) this.#updateMembers(view.members);
    this.#setProblem(view.ok ? undefined : { reason: view.reason, message: view.message });

    const held = this.#book.shards();
    // Rebalance only on a membership that held still for a round, so that replicas agree.
    const release = view.ok && this.#stableRounds > 0 ? held.filter((s) => !this.#target.has(s)) : [];
    const extend = held.filter((s) => !release.includes(s));
    const acquire = view.ok ? [...this.#target].filter((s) => !this.#book.has(s)) : [];
    const released = release.map((shard) =>
      this.#book.drop(shard, new LeaseReleasedError('rebalanced', { shard })),
    );
    if (release.length > 0) {
      this.#logger.info('releasing shards to rebalance', { shards: release, members: this.#members });
    }
    this.#publishOwned();
    const redlock = this.#requireRedlock();
    await Promise.all([
      ...released.map((lock) => lock && redlock.release(lock)),
      ...extend.map((shard) => this.#extend(shard)),
      ...acquire.map((shard) => this.#acquire(shard)),
    ]);
    this.#publishOwned();
    this.#armExpiry();
  }

  #updateMembers(seen: readonly string[]): void {
    const members = seen.includes(this.memberId) ? [...seen] : [...seen, this.memberId].sort();
    const key = members.join('\n');
    if (key === this.#membersKey) {
      this.#stableRounds += 1;
      return;
    }
    this.#membersKey = key;
    this.#members = members.length;
    this.#stableRounds = 0;
    this.#target = targetShards(this.memberId, members, this.#options.shardCount);
    this.#metrics.members.set(members.length);
    this.#logger.info('lease members changed', { members: members.length, target: this.#target.size });
  }

  async #extend(shard: number): Promise<void> {
    const lock = this.#book.lockOf(shard);
    if (!lock) return;
    const sentAt = this.#clock.monotonic();
    const outcome = await this.#requireRedlock().extend(lock, this.#options.ttlMs);
    if (outcome.ok) {
      if (!this.#book.has(shard)) {
        // Declared lost while the answer was on its way: give it back.
        this.#track(this.#requireRedlock().release(outcome.lock));
        return;
      }
      if (this.#book.grant(shard, outcome.lock, sentAt, this.#clock.monotonic()))
        this.#lastFailure.delete(shard);
      return;
    }
    this.#metrics.extensionFailures.inc({ reason: outcome.reason });
    if (outcome.reason === 'held_elsewhere') {
      this.#lose([shard], 'held_elsewhere', outcome.message);
    } else {
      this.#lastFailure.set(shard, outcome.reason);
      this.#logger.debug('shard lease extension failed', {
        shard,
        reason: outcome.reason,
        detail: outcome.message,
      });
    }
  }

  async #acquire(shard: number): Promise<void> {
    const sentAt = this.#clock.monotonic();
    const outcome = await this.#requireRedlock().acquire(
      `${this.#options.prefix}:shard:${shard}`,
      this.#options.ttlMs,
    );
    if (!outcome.ok) {
      this.#metrics.acquisitionFailures.inc({ reason: outcome.reason });
      return;
    }
    if (
      this.#stopping ||
      this.#book.has(shard) ||
      !this.#book.grant(shard, outcome.lock, sentAt, this.#clock.monotonic())
    ) {
      this.#track(this.#requireRedlock().release(outcome.lock));
      return;
    }
    this.#metrics.acquisitions.inc();
    this.#lastFailure.delete(shard);
  }

  /** Ends leases that are no longer ours; their signals abort with a LeaseError of `reason`. */
  #lose(shards: readonly number[], reason: LeaseFailureReason, detail: string): void {
    for (const shard of shards) {
      const error = leaseErrorFor(reason, `lease on shard ${shard} lost (${reason}): ${detail}`, { shard });
      const lock = this.#book.drop(shard, error);
      this.#lastFailure.delete(shard);
      this.#metrics.losses.inc({ reason });
      // The key may still be ours on some nodes: free it early when Redis answers.
      if (lock && reason !== 'held_elsewhere') this.#track(this.#requireRedlock().release(lock));
    }
    this.#logger.warn('shard leases lost', { shards, reason, detail });
    this.#publishOwned();
  }

  #armExpiry(): void {
    this.#clearTimer('expiry');
    const next = this.#book.nextExpiry();
    if (this.#stopping || !Number.isFinite(next)) return;
    this.#expiryTimer = this.#clock.setTimeout(
      () => {
        this.#expiryTimer = undefined;
        this.#expire();
      },
      Math.max(0, Math.ceil(next - this.#clock.monotonic())),
    );
    this.#expiryTimer.unref?.();
  }

  #expire(): void {
    const byReason = new Map<LeaseFailureReason, number[]>();
    for (const shard of this.#book.expired(this.#clock.monotonic())) {
      const reason = this.#lastFailure.get(shard) ?? 'expired';
      byReason.set(reason, [...(byReason.get(reason) ?? []), shard]);
    }
    for (const [reason, shards] of byReason) {
      this.#lose(shards, reason, 'validity ended before an extension succeeded');
    }
    this.#armExpiry();
  }

  #publishOwned(): void {
    const owned = new Set(this.#book.shards());
    if (owned.size === this.#owned.size && [...owned].every((s) => this.#owned.has(s))) return;
    this.#owned = owned;
    this.#metrics.shardsOwned.set(owned.size);
    this.#logger.debug('owned shards changed', { owned: owned.size, target: this.#target.size });
    try {
      this.emit('owned', owned);
    } catch (err) {
      this.#logger.error('an owned-shards listener threw', {
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }

  #setProblem(problem: ShardLeasesStatus['problem']): void {
    const before = this.#problem;
    this.#problem = problem;
    if (problem && before?.reason !== problem.reason) {
      this.#logger.warn('lease redis problem', { reason: problem.reason, detail: problem.message });
    } else if (!problem && before) {
      this.#logger.info('lease redis recovered', { reason: before.reason });
    }
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #clearTimer(which: 'round' | 'expiry'): void {
    const timer = which === 'round' ? this.#roundTimer : this.#expiryTimer;
    if (timer) this.#clock.clearTimeout(timer);
    if (which === 'round') this.#roundTimer = undefined;
    else this.#expiryTimer = undefined;
  }

  #requireRedlock(): RedlockNodes {
    if (!this.#redlock) throw new Error('ShardLeases is not started');
    return this.#redlock;
  }

  #requireMembership(): Membership {
    if (!this.#membership) throw new Error('ShardLeases is not started');
    return this.#membership;
  }
}
