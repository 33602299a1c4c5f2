/** A game's next deadline as the timer monitor knows it. */
export interface Deadline {
  gameId: string;
  /** The game's version when this deadline was read; the CAS token. */
  version: number;
  /** Deadline in database-clock epoch milliseconds. */
  at: number;
  /** When the phase began (database-clock epoch ms), for the phase-duration metric; unknown when it came by NOTIFY. */
  startedAt: number | undefined;
}

/**
 * Deadlines ordered by time, at millisecond granularity: a calendar of
 * buckets, one per millisecond that holds deadlines (keyed by the deadline
 * rounded up, so nothing in a bucket is due before its key), a min-heap of
 * bucket keys, and a map holding the one current entry per game.
 *
 * Why buckets rather than a heap of games: when 100,000 deadlines fall at one
 * instant, taking them is O(1) each instead of O(log n) pointer-chasing pops,
 * and a moved deadline leaves its bucket at once instead of lingering in the
 * heap as a stale entry. Updates with an older version than the one held are
 * ignored, so late news can never roll a game back.
 */
export class DeadlineQueue {
  readonly #current = new Map<string, Deadline>();
  readonly #buckets = new Map<number, Set<Deadline>>();
  /** Keys of buckets; may hold keys of buckets since emptied, dropped when they surface. */
  readonly #keys: number[] = [];

  get size(): number {
    return this.#current.size;
  }

  /** Sets, moves or (with `at` null) removes a game's deadline. Returns false when ignored as stale. */
  upsert(gameId: string, version: number, at: number | null, startedAt?: number | null): boolean {
    const held = this.#current.get(gameId);
    if (held && version < held.version) return false;
    if (held && at !== null && held.version === version && held.at === at) {
      held.startedAt ??= startedAt ?? undefined;
      return true;
    }
    if (held) this.#unlink(held);
    if (at === null) return true;
    // A moved deadline (same version) keeps the phase's start: NOTIFY does not carry it.
    const sameVersionStart = held?.version === version ? held.startedAt : undefined;
    const entry: Deadline = { gameId, version, at, startedAt: startedAt ?? sameVersionStart };
    this.#current.set(gameId, entry);
    const key = bucketKey(at);
    const bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.add(entry);
    } else {
      this.#buckets.set(key, new Set([entry]));
      this.#pushKey(key);
      // Keys of emptied buckets linger until they surface; when deadlines keep moving far ahead
      // they could pile up, so rebuild once they dominate.
      if (this.#keys.length > 1024 && this.#keys.length > 4 * this.#buckets.size) this.#rebuildKeys();
    }
    return true;
  }

  remove(gameId: string): void {
    const held = this.#current.get(gameId);
    if (held) this.#unlink(held);
  }

  has(gameId: string): boolean {
    return this.#current.has(gameId);
  }

  /** Removes every game for which `drop` is true (e.g. shards no longer owned). */
  removeWhere(drop: (gameId: string) => boolean): number {
    let removed = 0;
    for (const entry of this.#current.values()) {
      if (drop(entry.gameId)) {
        this.#unlink(entry);
        removed += 1;
      }
    }
    return removed;
  }

  /** A deadline of the earliest bucket, if any. */
  peek(): Deadline | undefined {
    const key = this.nextDueAt();
    if (key === undefined) return undefined;
    for (const entry of this.#buckets.get(key) ?? []) return entry;
    return undefined;
  }

  /** When takeDue() will next hand something out: the earliest deadline rounded up to the millisecond. */
  nextDueAt(): number | undefined {
    const keys = this.#keys;
    while (keys.length > 0) {
      const key = keys[0] as number;
      if ((this.#buckets.get(key)?.size ?? 0) > 0) return key;
      this.#popKey();
    }
    return undefined;
  }

  /** Takes up to `limit` deadlines at or before `now`, earliest millisecond first. */
  takeDue(now: number, limit: number): Deadline[] {
    const due: Deadline[] = [];
    while (due.length < limit) {
      const key = this.nextDueAt();
      if (key === undefined || key > now) break;
      const bucket = this.#buckets.get(key) as Set<Deadline>;
      for (const entry of bucket) {
        if (due.length >= limit) break;
        bucket.delete(entry);
        this.#current.delete(entry.gameId);
        due.push(entry);
      }
      if (bucket.size === 0) {
        this.#buckets.delete(key);
        this.#popKey();
      }
    }
    return due;
  }

  /** How many held deadlines lie at or before `before`. */
  countBefore(before: number): number {
    let n = 0;
    for (const entry of this.#current.values()) if (entry.at <= before) n += 1;
    return n;
  }

  #unlink(entry: Deadline): void {
    this.#current.delete(entry.gameId);
    const key = bucketKey(entry.at);
    const bucket = this.#buckets.get(key);
    if (!bucket) return;
    bucket.delete(entry);
    // The key stays in the heap until it surfaces; a bucket made again meanwhile pushes it again.
    if (bucket.size === 0) this.#buckets.delete(key);
  }

  #rebuildKeys(): void {
    this.#keys.length = 0;
    for (const key of this.#buckets.keys()) this.#pushKey(key);
  }

  #pushKey(key: number): void {
    const keys = this.#keys;
    let i = keys.length;
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = keys[parent] as number;
      if (above <= key) break;
      keys[i] = above;
      i = parent;
    }
    keys[i] = key;
  }

  #popKey(): void {
    const keys = this.#keys;
    const last = keys.pop();
    if (last === undefined || keys.length === 0) return;
    const n = keys.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (keys[right] as number) < (keys[left] as number) ? right : left;
      if ((keys[child] as number) >= last) break;
      keys[i] = keys[child] as number;
      i = child;
    }
    keys[i] = last;
  }
}

function bucketKey(at: number): number {
  return Math.ceil(at);
}
