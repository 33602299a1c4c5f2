/** A game's next deadline as the timer monitor knows it. */
export interface Deadline {
  gameId: string;
  /** The game's version when this deadline was read; the CAS token. */
  version: number;
  /** Deadline in database-clock epoch milliseconds. */
  at: number;
}

/**
 * Deadlines ordered by time: a binary min-heap with lazy deletion, plus a map
 * holding the one current entry per game. Updates with an older version than
 * the one held are ignored, so late news can never roll a game back.
 */
export class DeadlineQueue {
  readonly #heap: Deadline[] = [];
  readonly #current = new Map<string, Deadline>();

  get size(): number {
    return this.#current.size;
  }

  /** Sets, moves or (with `at` null) removes a game's deadline. Returns false when ignored as stale. */
  upsert(gameId: string, version: number, at: number | null): boolean {
    const held = this.#current.get(gameId);
    if (held && version < held.version) return false;
    if (at === null) {
      this.#current.delete(gameId);
      return true;
    }
    if (held && held.version === version && held.at === at) return true;
    const entry = { gameId, version, at };
    this.#current.set(gameId, entry);
    this.#push(entry);
    return true;
  }

  remove(gameId: string): void {
    this.#current.delete(gameId);
  }

  has(gameId: string): boolean {
    return this.#current.has(gameId);
  }

  /** Removes every game for which `drop` is true (e.g. shards no longer owned). */
  removeWhere(drop: (gameId: string) => boolean): number {
    let removed = 0;
    for (const gameId of this.#current.keys()) {
      if (drop(gameId)) {
        this.#current.delete(gameId);
        removed += 1;
      }
    }
    return removed;
  }

  /** The earliest live deadline, if any. */
  peek(): Deadline | undefined {
    this.#dropStaleTop();
    return this.#heap[0];
  }

  /** Takes up to `limit` deadlines at or before `now`, earliest first. */
  takeDue(now: number, limit: number): Deadline[] {
    const due: Deadline[] = [];
    while (due.length < limit) {
      const top = this.peek();
      if (!top || top.at > now) break;
      this.#pop();
      this.#current.delete(top.gameId);
      due.push(top);
    }
    return due;
  }

  /** How many held deadlines lie at or before `before`. */
  countBefore(before: number): number {
    let n = 0;
    for (const entry of this.#current.values()) if (entry.at <= before) n += 1;
    return n;
  }

  #isLive(entry: Deadline): boolean {
    return this.#current.get(entry.gameId) === entry;
  }

  #dropStaleTop(): void {
    while (this.#heap.length > 0 && !this.#isLive(this.#heap[0] as Deadline)) this.#pop();
    // Stale entries pile up when deadlines move often; rebuild when they dominate.
    if (this.#heap.length > 1024 && this.#heap.length > 4 * this.#current.size) this.#rebuild();
  }

  #rebuild(): void {
    this.#heap.length = 0;
    for (const entry of this.#current.values()) this.#push(entry);
  }

  #push(entry: Deadline): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Deadline, heap[parent] as Deadline)) break;
      [heap[i], heap[parent]] = [heap[parent] as Deadline, heap[i] as Deadline];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (heap.length === 0 || !last) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Deadline, heap[smallest] as Deadline)) smallest = left;
      if (right < heap.length && before(heap[right] as Deadline, heap[smallest] as Deadline))
        smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Deadline, heap[i] as Deadline];
      i = smallest;
    }
  }
}

function before(a: Deadline, b: Deadline): boolean {
  return a.at < b.at || (a.at === b.at && a.gameId < b.gameId);
}
