/** Something the relay holds: an outbox id and its ordering key (the channel; per game that is game.<id>). */
export interface Keyed {
  id: string;
  key: string;
}

/**
 * Per-key FIFO queues of claimed events with at most one event per key in
 * flight: the pure core of the relay's ordering guarantee. Events of one key
 * come out in id order (per game, sequence order); the key's next event is
 * only handed out once the previous one is completed. Different keys run in
 * parallel, oldest ready key first.
 */
export class KeyedQueue<T extends Keyed> {
  readonly #queues = new Map<string, T[]>();
  readonly #held = new Set<string>();
  /** Keys whose head can go now, in the order they became ready. */
  readonly #ready = new Set<string>();
  readonly #busy = new Set<string>();
  /** Keys waiting out a retry delay: key -> not before (ms). */
  readonly #delayed = new Map<string, number>();
  #earliestDelay = Number.POSITIVE_INFINITY;

  /** Events held (queued or in flight). */
  get size(): number {
    return this.#held.size;
  }

  get inFlight(): number {
    return this.#busy.size;
  }

  /** Keys whose next event could go now (not in flight, not delayed as of the last take). */
  get readyKeys(): number {
    return this.#ready.size;
  }

  has(id: string): boolean {
    return this.#held.has(id);
  }

  heldIds(): string[] {
    return [...this.#held];
  }

  /** Adds claimed events (any order; sorted by id per key here); ids already held are ignored. Returns how many were new. */
  add(items: readonly T[]): number {
    const fresh = items.filter((item) => !this.#held.has(item.id));
    fresh.sort((a, b) => compareIds(a.id, b.id));
    for (const item of fresh) {
      this.#held.add(item.id);
      const queue = this.#queues.get(item.key);
      if (queue) {
        queue.push(item);
        // A later claim may have found an older event of this key (should not happen; keep order anyway).
        if (queue.length > 1 && compareIds((queue.at(-2) as T).id, item.id) > 0) {
          const head = this.#busy.has(item.key) ? queue.shift() : undefined;
          queue.sort((a, b) => compareIds(a.id, b.id));
          if (head) queue.unshift(head);
        }
      } else {
        this.#queues.set(item.key, [item]);
        this.#ready.add(item.key);
      }
    }
    return fresh.length;
  }

  /** The next event whose key is neither in flight nor delayed past `now`; its key becomes busy. */
  take(now: number): T | undefined {
    this.#wakeDelayed(now);
    for (const key of this.#ready) {
      this.#ready.delete(key);
      const head = this.#queues.get(key)?.[0];
      if (!head) continue;
      this.#busy.add(key);
      return head;
    }
    return undefined;
  }

  /** The event was published or dead-lettered: drop it and let its key's next event go. */
  complete(item: T): void {
    const queue = this.#queues.get(item.key);
    if (!queue || queue[0] !== item) throw new Error(`complete(${item.id}): not the head of ${item.key}`);
    queue.shift();
    this.#held.delete(item.id);
    this.#busy.delete(item.key);
    if (queue.length === 0) this.#queues.delete(item.key);
    else this.#ready.add(item.key);
  }

  /** The attempt failed: the event stays at the head of its key, which waits until `notBefore`. */
  retry(item: T, notBefore: number, now: number): void {
    const queue = this.#queues.get(item.key);
    if (!queue || queue[0] !== item) throw new Error(`retry(${item.id}): not the head of ${item.key}`);
    this.#busy.delete(item.key);
    if (notBefore <= now) this.#ready.add(item.key);
    else {
      this.#delayed.set(item.key, notBefore);
      this.#earliestDelay = Math.min(this.#earliestDelay, notBefore);
    }
  }

  /** Ends every retry delay (e.g. the circuit closed: PubNub is back). */
  clearDelays(): void {
    for (const key of this.#delayed.keys()) this.#ready.add(key);
    this.#delayed.clear();
    this.#earliestDelay = Number.POSITIVE_INFINITY;
  }

  /** Earliest time a delayed key becomes ready, if any. */
  nextReadyAt(): number | undefined {
    return this.#delayed.size > 0 && Number.isFinite(this.#earliestDelay) ? this.#earliestDelay : undefined;
  }

  /** Drops queued (not in-flight) events for which `drop` is true; returns how many. */
  removeWhere(drop: (item: T) => boolean): number {
    let removed = 0;
    for (const [key, queue] of this.#queues) {
      const keep: T[] = [];
      queue.forEach((item, i) => {
        if ((i === 0 && this.#busy.has(key)) || !drop(item)) keep.push(item);
        else this.#held.delete(item.id);
      });
      removed += queue.length - keep.length;
      if (keep.length === 0) {
        this.#queues.delete(key);
        this.#ready.delete(key);
        this.#delayed.delete(key);
      } else this.#queues.set(key, keep);
    }
    return removed;
  }

  #wakeDelayed(now: number): void {
    if (now < this.#earliestDelay) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, at] of this.#delayed) {
      if (at <= now) {
        this.#delayed.delete(key);
        this.#ready.add(key);
      } else earliest = Math.min(earliest, at);
    }
    this.#earliestDelay = earliest;
  }
}

/** Compares bigint ids given as decimal strings. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
