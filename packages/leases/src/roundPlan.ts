import type { LeaseMode } from './postgresHolds.ts';

/**
 * Redis mode while a quorum of Redis nodes answered the heartbeat; PostgreSQL
 * fallback from the first round that found it unreachable. Switching at once
 * costs nothing in safety (the PostgreSQL hold is what makes a shard ours in
 * both modes) and keeps work going before any Redlock validity could lapse.
 */
export function leaseModeOf(redisQuorumAnswered: boolean): LeaseMode {
  return redisQuorumAnswered ? 'redis' : 'postgres';
}

/**
 * The members a replica shares the shards with. On the fallback: every live
 * member row in PostgreSQL (all replicas heartbeat there in both modes). On
 * Redis: the Redis members, plus those whose PostgreSQL row says they are on
 * the fallback: a replica cut off from Redis still works its share, so the
 * others leave that share to it, and both sides compute the same split.
 * Undefined when neither answered: keep the last view.
 */
export function leaseMembersOf(
  mode: LeaseMode,
  redisMembers: readonly string[] | undefined,
  postgres: { members: readonly string[]; onFallback: readonly string[] } | undefined,
): string[] | undefined {
  if (mode === 'postgres') return postgres ? [...postgres.members] : undefined;
  if (!redisMembers) return undefined;
  return [...new Set([...redisMembers, ...(postgres?.onFallback ?? [])])].sort();
}

export interface RoundInput {
  mode: LeaseMode;
  /** This replica's fair share under the membership of `mode`. */
  target: ReadonlySet<number>;
  /** That membership has held still for a whole round: safe to give shards away. */
  stable: boolean;
  /** Shards we hold in PostgreSQL (the ownership of record), after this round's renewal. */
  held: ReadonlySet<number>;
  /** Shards we hold a valid Redlock lease on. */
  redlocked: ReadonlySet<number>;
  /** Shards with a live PostgreSQL hold by another replica; undefined when PostgreSQL did not answer. */
  heldByOthers: ReadonlySet<number> | undefined;
}

export interface RoundPlan {
  /** Held shards to give up (rebalancing): dropped, then deleted and unlocked. */
  release: number[];
  /** Held shards to keep (and, in Redis mode, whose Redlock to extend or re-acquire). */
  keep: number[];
  /** Targeted shards nobody holds: to take (in Redis mode, only once their Redlock is ours). */
  take: number[];
  /** Redlock operations, Redis mode only: extend those we hold, acquire the others. */
  redlockExtend: number[];
  redlockAcquire: number[];
  /** Redlocks on shards we neither keep nor take: a leftover of a failed take or a yield. */
  redlockRelease: number[];
}

/**
 * One lease round's decisions, without I/O. In both modes: keep what we
 * hold, give away what is no longer ours to hold only once the membership
 * held still (so replicas with different views cannot ping-pong a shard),
 * and take targeted shards that no other replica holds live in PostgreSQL.
 * Never take a shard another replica holds: a holder in fallback mode keeps
 * it (no gap) until it learns from Redis that it should yield.
 * In Redis mode every kept or taken shard also needs its Redlock lease; a
 * Redlock found held elsewhere makes the holder yield (see ShardLeases).
 */
export function planRound(input: RoundInput): RoundPlan {
  const { mode, target, stable, held, redlocked, heldByOthers } = input;
  const sorted = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);
  const release = stable ? sorted([...held].filter((s) => !target.has(s))) : [];
  const keep = sorted([...held].filter((s) => !release.includes(s)));
  const take = heldByOthers ? sorted([...target].filter((s) => !held.has(s) && !heldByOthers.has(s))) : [];
  if (mode === 'postgres') {
    // Redis is unreachable: its locks lapse on their own; nothing to send it.
    return { release, keep, take, redlockExtend: [], redlockAcquire: [], redlockRelease: [] };
  }
  const wanted = new Set([...keep, ...take]);
  return {
    release,
    keep,
    take,
    redlockExtend: sorted([...wanted].filter((s) => redlocked.has(s))),
    redlockAcquire: sorted([...wanted].filter((s) => !redlocked.has(s))),
    redlockRelease: sorted([...redlocked].filter((s) => !wanted.has(s))),
  };
}
