import { lockedRetry, quarantineRetry, retryDelayMs, type RetryPolicy } from './gameRetryPolicy.ts';

export type HoldReason = 'locked' | 'quarantined';

/** A game kept apart from the normal schedule, at one version. */
export interface GameHold {
  reason: HoldReason;
  /** The version the hold is about: news of a newer one ends it. */
  version: number;
  /** The deadline it missed (database-clock ms), for the lag of its eventual transition. */
  deadlineAt: number;
  /** Consecutive tries that ended in this reason. */
  attempts: number;
  /** Next try, database-clock ms. */
  retryAt: number;
}

/**
 * Games retried on their own pace rather than at their deadline: skipped
 * because another transaction held the row, or quarantined because their
 * transition fails on their own data. No I/O; the monitor consults it
 * whenever it queues a game, so a sweep or a reload cannot put a held game
 * back on its (past) deadline and into a hot loop.
 */
export class GameHolds {
  readonly #holds = new Map<string, GameHold>();
  readonly #quarantineRetry: RetryPolicy;
  #quarantined = 0;

  constructor(quarantine: RetryPolicy = quarantineRetry) {
    this.#quarantineRetry = quarantine;
  }

  get quarantined(): number {
    return this.#quarantined;
  }

  get(gameId: string): GameHold | undefined {
    return this.#holds.get(gameId);
  }

  /**
   * Records one more try of `reason` at `version`; attempts restart when the
   * reason or the version changed. Returns the hold.
   */
  record(gameId: string, reason: HoldReason, version: number, deadlineAt: number, now: number): GameHold {
    const held = this.#holds.get(gameId);
    const same = held !== undefined && held.version === version;
    const attempts = same && held.reason === reason ? held.attempts + 1 : 1;
    const policy = reason === 'locked' ? lockedRetry : this.#quarantineRetry;
    const hold: GameHold = {
      reason,
      version,
      deadlineAt: same ? held.deadlineAt : deadlineAt,
      attempts,
      retryAt: now + retryDelayMs(attempts, policy),
    };
    this.#set(gameId, hold);
    return hold;
  }

  /**
   * When a game at `version` with deadline `at` should be taken: its hold's
   * retry time while the hold is about this version, else `at`. A newer
   * version or a stopped timer ends the hold.
   */
  fireAt(gameId: string, version: number, at: number | null): number | null {
    const held = this.#holds.get(gameId);
    if (!held) return at;
    if (at === null || version > held.version) {
      this.release(gameId);
      return at;
    }
    return version === held.version ? Math.max(at, held.retryAt) : at;
  }

  /** Ends a hold; returns it, if there was one. */
  release(gameId: string): GameHold | undefined {
    const held = this.#holds.get(gameId);
    if (!held) return undefined;
    this.#holds.delete(gameId);
    if (held.reason === 'quarantined') this.#quarantined -= 1;
    return held;
  }

  /** Drops the holds of games for which `drop` is true (e.g. shards no longer owned). */
  releaseWhere(drop: (gameId: string) => boolean): void {
    for (const gameId of [...this.#holds.keys()]) if (drop(gameId)) this.release(gameId);
  }

  #set(gameId: string, hold: GameHold): void {
    const before = this.#holds.get(gameId);
    if (before?.reason === 'quarantined') this.#quarantined -= 1;
    if (hold.reason === 'quarantined') this.#quarantined += 1;
    this.#holds.set(gameId, hold);
  }
}
