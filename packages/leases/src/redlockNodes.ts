import { ExecutionError, Redlock, ResourceLockedError, type Lock } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import { classifyVotes, type VoteTally } from './classifyVotes.ts';
import type { LeaseFailureReason } from './leaseErrors.ts';
import { errorMessage } from '@sketchyaf/core';

export type { Lock };

export type RedlockOutcome =
  { ok: true; lock: Lock } | { ok: false; reason: LeaseFailureReason; message: string; cause: unknown };

/**
 * The Redlock algorithm over independent Redis nodes, with every failure
 * classified. The library's own retry loop is off (our lease round is the
 * retry), and its `using()` is not used: we track validity ourselves.
 */
export class RedlockNodes {
  readonly #redlock: Redlock;

  constructor(clients: readonly Redis[]) {
    this.#redlock = new Redlock(clients, { retryCount: 0, driftFactor: 0.01 });
  }

  acquire(key: string, ttlMs: number): Promise<RedlockOutcome> {
    return this.#classified(() => this.#redlock.acquire([key], ttlMs));
  }

  extend(lock: Lock, ttlMs: number): Promise<RedlockOutcome> {
    return this.#classified(() => this.#redlock.extend(lock, ttlMs));
  }

  /** Best effort: an unreleased lock simply expires. Resolves false when a quorum did not confirm. */
  async release(lock: Lock): Promise<boolean> {
    try {
      await this.#redlock.release(lock);
      return true;
    } catch {
      return false;
    }
  }

  async #classified(operation: () => Promise<Lock>): Promise<RedlockOutcome> {
    try {
      return { ok: true, lock: await operation() };
    } catch (err) {
      const tally = await tallyOf(err);
      const reason = (tally && classifyVotes(tally)) ?? 'expired';
      return { ok: false, reason, message: describeFailure(err, tally), cause: err };
    }
  }
}

/** Counts the votes of the last attempt of a failed operation; undefined when there was none. */
async function tallyOf(err: unknown): Promise<(VoteTally & { errors: Error[] }) | undefined> {
  if (!(err instanceof ExecutionError)) return undefined;
  const last = err.attempts.at(-1);
  if (!last) return undefined;
  const stats = await last;
  const tally = { for: stats.votesFor.size, locked: 0, failed: 0, errors: [] as Error[] };
  for (const vote of stats.votesAgainst.values()) {
    if (vote instanceof ResourceLockedError) tally.locked += 1;
    else {
      tally.failed += 1;
      tally.errors.push(vote);
    }
  }
  return tally;
}

function describeFailure(err: unknown, tally: (VoteTally & { errors: Error[] }) | undefined): string {
  if (!tally) return errorMessage(err);
  const nodes = tally.for + tally.locked + tally.failed;
  const parts = [`${tally.for} of ${nodes} nodes agreed`];
  if (tally.locked > 0) parts.push(`${tally.locked} held by another owner`);
  if (tally.failed > 0) {
    const reasons = [...new Set(tally.errors.map((e) => e.message))].join('; ');
    parts.push(`${tally.failed} unreachable (${reasons})`);
  }
  return parts.join(', ');
}
