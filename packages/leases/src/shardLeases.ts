import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import {
  createPool,
  errorFields,
  systemClock,
  type Clock,
  type Pool,
  type TimerHandle,
  WakeTimer,
} from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import { targetShards } from './assignment.ts';
import { quorumOf } from './classifyVotes.ts';
import { LeaseBook, leaseMarginMs } from './leaseBook.ts';
import { leaseErrorFor, LeaseReleasedError, type LeaseFailureReason } from './leaseErrors.ts';
import { createLeaseMetrics, type LeaseMetrics } from './leaseMetrics.ts';
import { Membership, type MembershipView } from './membership.ts';
import { PostgresHolds, type LeaseMode, type PostgresView } from './postgresHolds.ts';
import { closeClients, createLeaseRedisClient, waitForReady } from './redisNodes.ts';
import { RedlockNodes, type Lock, type RedlockOutcome } from './redlockNodes.ts';
import { leaseMembersOf, leaseModeOf, planRound } from './roundPlan.ts';
import { errorMessage } from '@sketchyaf/core';

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
  redis: { urls: readonly string[]; caFile?: string | null } | { clients: readonly Redis[] };
  /**
   * The database holding the lease rows (migration 0009): the ownership of
   * record in both modes, and the coordination while the Redis quorum is
   * unreachable. A URL gets a small pool of its own, so lease rounds never
   * queue behind the service's work; a pool is the caller's to close.
   */
  postgres: { url: string } | { pool: Pool };
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
  /** How shards were coordinated in the last round: `redis` (Redlock), or `postgres` (the fallback). */
  mode: LeaseMode;
  /** Live replicas in the membership of the current mode, this one included. */
  members: number;
  owned: number;
  /** This replica's fair share under the current membership. */
  target: number;
  /** Completed lease rounds. */
  rounds: number;
  /** Set while the last heartbeat found Redis unreachable or without a quorum. */
  problem: { reason: LeaseFailureReason; message: string } | undefined;
  /** Set while the last round could not read or renew the lease rows in PostgreSQL. */
  postgresProblem: string | undefined;
}

/**
 * Leases on a fair share of `shardCount` shards, coordinated by Redlock over
 * Redis with PostgreSQL as the ownership of record and the fallback.
 *
 * Each round (a third of the TTL) heartbeats the membership on Redis and, in
 * one statement, on PostgreSQL while renewing this replica's lease rows. A
 * shard is ours while our PostgreSQL row on it is valid by our own monotonic
 * clock (the instant the renewal was sent + TTL - margin, before the row can
 * expire on the database's clock and be taken elsewhere). While a quorum of
 * Redis nodes answers, the fair share comes from the Redis membership and
 * every held shard also needs its Redlock lease: a Redlock held by another
 * replica makes us yield the shard. While it does not, the share comes from
 * the PostgreSQL membership and the rows alone are kept and taken, without a
 * pause: the rows were held all along. See docs/leases.md.
 *
 * Emits 'owned' (ReadonlySet<number>) whenever the set of held shards changes.
 */
export class ShardLeases extends EventEmitter<{ owned: [ReadonlySet<number>] }> {
  readonly memberId: string;
  readonly #options: ShardLeasesOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: LeaseMetrics;
  /** The PostgreSQL holds (by the token of their take): what makes a shard ours; the services watch their signals. */
  readonly #holds: LeaseBook<string>;
  readonly #redlocks: LeaseBook<Lock>;
  readonly #roundIntervalMs: number;
  readonly #commandTimeoutMs: number;
  #clients: readonly Redis[] = [];
  #redlock: RedlockNodes | undefined;
  #membership: Membership | undefined;
  #postgres: PostgresHolds | undefined;
  #ownPool: Pool | undefined;
  #mode: LeaseMode = 'redis';
  #membersKey = '';
  #members = 0;
  #stableRounds = 0;
  #target: ReadonlySet<number> = new Set();
  #owned: ReadonlySet<number> = new Set();
  #problem: ShardLeasesStatus['problem'];
  #postgresProblem: string | undefined;
  #rounds = 0;
  readonly #background = new Set<Promise<unknown>>();
  #roundTimer: TimerHandle | undefined;
  // Drops holds whose validity ran out between rounds; unref'd like the round timer.
  readonly #expiry: WakeTimer;
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
    this.#expiry = new WakeTimer(this.#clock, () => this.#expire(), { timeBase: 'monotonic', unref: true });
    this.#logger = options.logger;
    this.#metrics = createLeaseMetrics(options.registry);
    this.#holds = new LeaseBook({ ttlMs, marginMs });
    this.#redlocks = new LeaseBook({ ttlMs, marginMs });
  }

  /** Shards held now. */
  get owned(): ReadonlySet<number> {
    return this.#owned;
  }

  /** Whether `shard` is held and its hold still valid by our own clock. Check before each side effect. */
  isValid(shard: number): boolean {
    return this.#holds.isValid(shard, this.#clock.monotonic());
  }

  remainingMs(shard: number): number {
    return this.#holds.remainingMs(shard, this.#clock.monotonic());
  }

  /** Aborted (with a LeaseError) when the hold on `shard` ends; already aborted when it is not held. */
  signal(shard: number): AbortSignal {
    return this.#holds.signal(shard);
  }

  status(): ShardLeasesStatus {
    return {
      memberId: this.memberId,
      shardCount: this.#options.shardCount,
      mode: this.#mode,
      members: this.#members,
      owned: this.#owned.size,
      target: this.#target.size,
      rounds: this.#rounds,
      problem: this.#problem,
      postgresProblem: this.#postgresProblem,
    };
  }

  /**
   * Connects (waiting briefly for a quorum of Redis nodes) and runs the first
   * round. Neither Redis nor PostgreSQL being down is an error here: the
   * rounds go on and report it in status().
   */
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
    const { redis, postgres, ttlMs, shardCount, prefix } = this.#options;
    this.#metrics.shardCount.set(shardCount);
    this.#publishMode();
    this.#clients =
      'clients' in redis
        ? redis.clients
        : redis.urls.map((url) =>
            createLeaseRedisClient(url, {
              connectTimeoutMs: Math.min(ttlMs, 5000),
              commandTimeoutMs: this.#commandTimeoutMs,
              connectionName: `lease-${this.memberId}`.replace(/[^A-Za-z0-9_.:-]/g, '_'),
              caFile: redis.caFile ?? null,
              onError: (err) => this.#logger.debug('lease redis connection error', errorFields(err)),
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
    if ('url' in postgres) {
      this.#ownPool = createPool({
        connectionString: postgres.url,
        applicationName: 'shard-leases',
        registry: this.#options.registry,
        // Renewal and a take or release at most at once; more would only queue on the same rows.
        max: 2,
        statementTimeoutMs: this.#roundIntervalMs,
        connectionTimeoutMs: this.#roundIntervalMs,
        logger: this.#logger,
      });
    }
    this.#postgres = new PostgresHolds({
      pool: 'pool' in postgres ? postgres.pool : (this.#ownPool as Pool),
      prefix,
      memberId: this.memberId,
      ttlMs,
      timeoutMs: this.#roundIntervalMs,
      clock: this.#clock,
    });
    // Short: a refused Redis fails fast anyway, and the fallback does not need it.
    await waitForReady(this.#clients, quorumOf(this.#clients.length), this.#roundIntervalMs, this.#clock);
    if (this.#stopping) return;
    this.#startRound();
    await this.#round;
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    this.#clearRoundTimer();
    this.#expiry.disarm();
    await this.#round;
    const held = this.#holds.shards();
    for (const shard of held) this.#holds.drop(shard, new LeaseReleasedError('replica stopping', { shard }));
    const locks = this.#redlocks
      .shards()
      .map((shard) => this.#redlocks.drop(shard, new LeaseReleasedError('replica stopping', { shard })));
    this.#publishOwned();
    const redlock = this.#redlock;
    await Promise.all([
      ...locks.map((lock) => lock && redlock?.release(lock)),
      this.#membership?.leave().catch(() => undefined),
      this.#postgres?.leave().catch((err: unknown) => {
        this.#logger.warn('leaving the lease table failed; the rows expire on their own', errorFields(err));
      }),
      ...this.#background,
    ]);
    if (!('clients' in this.#options.redis)) await closeClients(this.#clients, 1000);
    await this.#ownPool?.end().catch(() => undefined);
    this.#logger.info('shard leases released', { memberId: this.memberId, released: held.length });
  }

  #startRound(): void {
    const startedAt = this.#clock.monotonic();
    this.#round = this.#runRound()
      .catch((err: unknown) => {
        this.#logger.error('lease round failed', errorFields(err));
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
    const settling = this.#stableRounds === 0 || [...this.#target].some((shard) => !this.#holds.has(shard));
    return settling ? Math.round(this.#roundIntervalMs / 3) : this.#roundIntervalMs;
  }

  async #runRound(): Promise<void> {
    const now = this.#clock.monotonic();
    for (const shard of this.#redlocks.expired(now)) {
      // A Redlock that lapsed (Redis gone) ends nothing by itself: the PostgreSQL hold carries the shard.
      this.#redlocks.drop(shard, leaseErrorFor('expired', `Redlock on shard ${shard} lapsed`, { shard }));
    }
    const [view, postgres] = await Promise.all([this.#requireMembership().heartbeat(), this.#renewHolds()]);
    this.#metrics.redisNodesUp.set(view.nodesAnswering);
    if (this.#stopping) return;
    this.#setProblem(view.ok ? undefined : { reason: view.reason, message: view.message });
    this.#setMode(leaseModeOf(view.ok), view);
    const members = leaseMembersOf(this.#mode, view.ok ? view.members : undefined, postgres);
    if (members) this.#updateMembers(members);

    const heldByOthers = postgres
      ? new Set([...postgres.holds].filter(([, owner]) => owner !== this.memberId).map(([shard]) => shard))
      : undefined;
    const plan = planRound({
      mode: this.#mode,
      target: this.#target,
      stable: this.#stableRounds > 0,
      held: new Set(this.#holds.shards()),
      redlocked: new Set(this.#redlocks.shards()),
      heldByOthers,
    });
    if (plan.release.length > 0) {
      this.#logger.info('releasing shards to rebalance', { shards: plan.release, members: this.#members });
      const released = new Map<number, string>();
      for (const shard of plan.release) {
        const token = this.#holds.drop(shard, new LeaseReleasedError('rebalanced', { shard }));
        if (token) released.set(shard, token);
      }
      this.#publishOwned();
      this.#track(this.#requirePostgres().release(released));
    }
    this.#releaseRedlocks([...plan.release, ...plan.redlockRelease]);

    let take = plan.take;
    if (this.#mode === 'redis') {
      const [extended, acquired] = await Promise.all([
        Promise.all(plan.redlockExtend.map((shard) => this.#extendRedlock(shard))),
        Promise.all(plan.redlockAcquire.map((shard) => this.#acquireRedlock(shard))),
      ]);
      const outcomes = new Map<number, 'ok' | LeaseFailureReason>();
      plan.redlockExtend.forEach((shard, i) => outcomes.set(shard, extended[i] ?? 'expired'));
      plan.redlockAcquire.forEach((shard, i) => outcomes.set(shard, acquired[i] ?? 'expired'));
      // Another replica holds the Redlock: Redis is the primary coordination, so our hold yields to it.
      const yielded = plan.keep.filter((shard) => outcomes.get(shard) === 'held_elsewhere');
      if (yielded.length > 0)
        this.#lose(yielded, 'held_elsewhere', 'the Redlock lease is held by another replica');
      take = plan.take.filter((shard) => outcomes.get(shard) === 'ok');
    }
    const taken = await this.#take(take);
    if (this.#mode === 'redis') this.#releaseRedlocks(take.filter((shard) => !taken.has(shard)));
    this.#publishOwned();
    this.#armExpiry();
  }

  /** Renews our holds and heartbeats; undefined when PostgreSQL did not answer (the holds run on until their validity ends). */
  async #renewHolds(): Promise<PostgresView | undefined> {
    const held = this.#heldTokens();
    const sentAt = this.#clock.monotonic();
    let view: PostgresView;
    try {
      view = await this.#requirePostgres().renew(this.#mode, held);
    } catch (err) {
      this.#setPostgresProblem(err);
      return undefined;
    }
    this.#setPostgresProblem(undefined);
    if (this.#stopping) return view;
    const now = this.#clock.monotonic();
    // Only the very hold we renewed: one dropped meanwhile stays dropped (its row is being deleted).
    for (const [shard, token] of view.renewed) {
      if (this.#holds.lockOf(shard) === token) this.#holds.grant(shard, token, sentAt, now);
    }
    const gone = [...held.keys()].filter((shard) => !view.renewed.has(shard) && this.#holds.has(shard));
    const taken = gone.filter((shard) => view.holds.has(shard));
    const expired = gone.filter((shard) => !view.holds.has(shard));
    if (taken.length > 0) this.#lose(taken, 'held_elsewhere', 'the lease row belongs to another replica');
    if (expired.length > 0) this.#lose(expired, 'expired', 'the lease row expired before its renewal');
    return view;
  }

  async #take(shards: readonly number[]): Promise<ReadonlySet<number>> {
    if (shards.length === 0 || this.#stopping) return new Set();
    const token = randomBytes(8).toString('hex');
    const sentAt = this.#clock.monotonic();
    let taken: ReadonlySet<number>;
    try {
      taken = await this.#requirePostgres().take(shards, token);
    } catch (err) {
      this.#setPostgresProblem(err);
      return new Set();
    }
    const now = this.#clock.monotonic();
    const granted = new Set<number>();
    const unused = new Map<number, string>();
    for (const shard of taken) {
      if (!this.#stopping && !this.#holds.has(shard) && this.#holds.grant(shard, token, sentAt, now)) {
        granted.add(shard);
        this.#metrics.acquisitions.inc();
      } else {
        unused.set(shard, token);
      }
    }
    if (unused.size > 0) this.#track(this.#requirePostgres().release(unused));
    return granted;
  }

  #updateMembers(seen: readonly string[]): void {
    const members = seen.includes(this.memberId) ? [...seen] : [...seen, this.memberId].sort();
    // The mode is part of the view: after a switch, hold still for a round before giving anything away.
    const key = `${this.#mode}\n${members.join('\n')}`;
    if (key === this.#membersKey) {
      this.#stableRounds += 1;
      return;
    }
    this.#membersKey = key;
    this.#members = members.length;
    this.#stableRounds = 0;
    this.#target = targetShards(this.memberId, members, this.#options.shardCount);
    this.#metrics.members.set(members.length);
    this.#logger.info('lease members changed', {
      members: members.length,
      target: this.#target.size,
      mode: this.#mode,
    });
  }

  /** 'ok', or why the Redlock could not be extended (the lock is forgotten then). */
  async #extendRedlock(shard: number): Promise<'ok' | LeaseFailureReason> {
    const lock = this.#redlocks.lockOf(shard);
    if (!lock) return 'expired';
    const sentAt = this.#clock.monotonic();
    const outcome = await this.#requireRedlock().extend(lock, this.#options.ttlMs);
    if (outcome.ok) {
      if (this.#redlocks.has(shard))
        this.#redlocks.grant(shard, outcome.lock, sentAt, this.#clock.monotonic());
      else this.#track(this.#requireRedlock().release(outcome.lock));
      return 'ok';
    }
    this.#metrics.extensionFailures.inc({ reason: outcome.reason });
    return this.#redlockFailed(shard, outcome);
  }

  async #acquireRedlock(shard: number): Promise<'ok' | LeaseFailureReason> {
    const sentAt = this.#clock.monotonic();
    const outcome = await this.#requireRedlock().acquire(
      `${this.#options.prefix}:shard:${shard}`,
      this.#options.ttlMs,
    );
    if (!outcome.ok) {
      this.#metrics.acquisitionFailures.inc({ reason: outcome.reason });
      return this.#redlockFailed(shard, outcome);
    }
    if (
      this.#stopping ||
      this.#redlocks.has(shard) ||
      !this.#redlocks.grant(shard, outcome.lock, sentAt, this.#clock.monotonic())
    ) {
      this.#track(this.#requireRedlock().release(outcome.lock));
      return 'expired';
    }
    return 'ok';
  }

  #redlockFailed(shard: number, outcome: Extract<RedlockOutcome, { ok: false }>): LeaseFailureReason {
    if (outcome.reason === 'held_elsewhere') {
      this.#redlocks.drop(shard, leaseErrorFor('held_elsewhere', outcome.message, { shard }));
    }
    this.#logger.debug('shard Redlock operation failed', {
      shard,
      reason: outcome.reason,
      detail: outcome.message,
    });
    return outcome.reason;
  }

  #releaseRedlocks(shards: readonly number[]): void {
    for (const shard of shards) {
      const lock = this.#redlocks.drop(shard, new LeaseReleasedError('not held', { shard }));
      if (lock) this.#track(this.#requireRedlock().release(lock));
    }
  }

  /** Ends holds that are no longer ours; their signals abort with a LeaseError of `reason`. */
  #lose(shards: readonly number[], reason: LeaseFailureReason, detail: string): void {
    const dropped = new Map<number, string>();
    for (const shard of shards) {
      const error = leaseErrorFor(reason, `lease on shard ${shard} lost (${reason}): ${detail}`, { shard });
      const token = this.#holds.drop(shard, error);
      if (token) dropped.set(shard, token);
      this.#metrics.losses.inc({ reason });
    }
    // The rows and locks may still be ours: free them early, so the next holder need not wait for expiry.
    this.#track(this.#requirePostgres().release(dropped));
    this.#releaseRedlocks(shards);
    this.#logger.warn('shard leases lost', { shards, reason, detail });
    this.#publishOwned();
  }

  #heldTokens(): Map<number, string> {
    const held = new Map<number, string>();
    for (const shard of this.#holds.shards()) {
      const token = this.#holds.lockOf(shard);
      if (token) held.set(shard, token);
    }
    return held;
  }

  #armExpiry(): void {
    this.#expiry.armAt(this.#stopping ? Number.POSITIVE_INFINITY : this.#holds.nextExpiry());
  }

  #expire(): void {
    const expired = this.#holds.expired(this.#clock.monotonic());
    if (expired.length > 0) {
      this.#lose(
        expired,
        'expired',
        `validity ended before a renewal succeeded${this.#postgresProblem ? ` (${this.#postgresProblem})` : ''}`,
      );
    }
    this.#armExpiry();
  }

  #publishOwned(): void {
    const owned = new Set(this.#holds.shards());
    const now = this.#clock.monotonic();
    const onRedlock = [...owned].filter((s) => this.#redlocks.isValid(s, now)).length;
    this.#metrics.shardsOwnedByMode.set({ mode: 'redis' }, onRedlock);
    this.#metrics.shardsOwnedByMode.set({ mode: 'postgres' }, owned.size - onRedlock);
    if (owned.size === this.#owned.size && [...owned].every((s) => this.#owned.has(s))) return;
    this.#owned = owned;
    this.#metrics.shardsOwned.set(owned.size);
    this.#logger.debug('owned shards changed', { owned: owned.size, target: this.#target.size });
    try {
      this.emit('owned', owned);
    } catch (err) {
      this.#logger.error('an owned-shards listener threw', errorFields(err));
    }
  }

  #setMode(mode: LeaseMode, view: MembershipView): void {
    const before = this.#mode;
    this.#mode = mode;
    this.#publishMode();
    if (before === mode || this.#rounds === 0) {
      if (this.#rounds === 0 && mode === 'postgres') {
        this.#logger.warn('shard leases start on the PostgreSQL fallback: the Redis quorum is unreachable', {
          detail: view.ok ? undefined : view.message,
        });
      }
      return;
    }
    if (mode === 'postgres') {
      this.#logger.warn('shard leases fall back to PostgreSQL: the Redis quorum is unreachable', {
        detail: view.ok ? undefined : view.message,
        owned: this.#holds.size,
      });
    } else {
      this.#logger.info('shard leases back on Redis', { owned: this.#holds.size });
    }
  }

  #publishMode(): void {
    this.#metrics.mode.set({ mode: 'redis' }, this.#mode === 'redis' ? 1 : 0);
    this.#metrics.mode.set({ mode: 'postgres' }, this.#mode === 'postgres' ? 1 : 0);
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

  #setPostgresProblem(err: unknown): void {
    const before = this.#postgresProblem;
    this.#postgresProblem = err === undefined ? undefined : `lease rows unavailable: ${errorMessage(err)}`;
    if (err !== undefined && before === undefined) {
      this.#metrics.postgresErrors.inc();
      this.#logger.warn(
        'lease rows in PostgreSQL unavailable; holds run on until their validity ends',
        errorFields(err),
      );
    } else if (err !== undefined) {
      this.#metrics.postgresErrors.inc();
    } else if (before !== undefined) {
      this.#logger.info('lease rows in PostgreSQL available again');
    }
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #clearRoundTimer(): void {
    if (this.#roundTimer) this.#clock.clearTimeout(this.#roundTimer);
    this.#roundTimer = undefined;
  }

  #requireRedlock(): RedlockNodes {
    if (!this.#redlock) throw new Error('ShardLeases is not started');
    return this.#redlock;
  }

  #requireMembership(): Membership {
    if (!this.#membership) throw new Error('ShardLeases is not started');
    return this.#membership;
  }

  #requirePostgres(): PostgresHolds {
    if (!this.#postgres) throw new Error('ShardLeases is not started');
    return this.#postgres;
  }
}
