import { uuidToWords, wordsToUuid } from './uuidWords.ts';

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

const initialSlots = 1024;
/** Slot marker in the id table: no game. */
const empty = -1;

/**
 * Deadlines ordered by time, one per game, held in typed arrays: each game
 * has a slot (a small integer, reused through a free list) whose id (16
 * bytes), version, deadline and phase start sit in flat arrays; an
 * open-addressing table finds a game's slot from its id, and a binary min-heap
 * of slots orders the exact deadlines.
 *
 * Why: as objects in maps, a held deadline cost about 1.2 KiB of heap (the
 * id string, the entry, the map and bucket entries), 340 MiB at 300,000
 * games; here it is about 70 bytes, none of it for the garbage collector to
 * trace. The heap orders exact deadlines, so nothing waits for a rounded-up
 * millisecond; when 100,000 deadlines fall at one instant, each take stops
 * its sift at the first equal key. Game ids must be uuids (the database's
 * `games.id`); they come back in canonical lower case. Updates with an older
 * version than the one held are ignored, so late news can never roll a game
 * back.
 */
export class DeadlineQueue {
  #capacity = initialSlots;
  #ids = new Int32Array(initialSlots * 4);
  #version = new Float64Array(initialSlots);
  #at = new Float64Array(initialSlots);
  /** NaN: unknown. */
  #started = new Float64Array(initialSlots);
  /**
   * Order of the last change, to break ties: equal deadlines go out in the order they were set.
   * When a whole table's deadlines fall at one instant, that is the order of the reload, i.e.
   * the table's physical order, and a batch of them touches few pages (scattered batches cost
   * PostgreSQL half as much again).
   */
  #seq = new Float64Array(initialSlots);
  #nextSeq = 0;
  /** Position of each held slot in #heap. */
  #heapPos = new Int32Array(initialSlots);
  #heap = new Int32Array(initialSlots);
  #size = 0;
  /** Slots handed out so far; slots below it and not held are on the free list. */
  #highWater = 0;
  #free = new Int32Array(initialSlots);
  #freeCount = 0;
  /** Open addressing with linear probing: slot numbers, `empty` where none; at most half full. */
  #table = new Int32Array(initialSlots * 2).fill(empty);
  /** The id being looked up, as words. */
  readonly #probe = new Int32Array(4);

  get size(): number {
    return this.#size;
  }

  /** Slots allocated: grows with the most games held at once, not with games seen. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Sets, moves or (with `at` null) removes a game's deadline. Returns false when ignored as stale. */
  upsert(gameId: string, version: number, at: number | null, startedAt?: number | null): boolean {
    const index = this.#find(gameId);
    const slot = index < 0 ? empty : (this.#table[index] as number);
    if (slot !== empty) {
      const heldVersion = this.#version[slot] as number;
      if (version < heldVersion) return false;
      if (at === null) {
        this.#removeAt(index);
        return true;
      }
      // A moved deadline (same version) keeps the phase's start: NOTIFY does not carry it.
      if (startedAt !== undefined && startedAt !== null) this.#started[slot] = startedAt;
      else if (version !== heldVersion) this.#started[slot] = Number.NaN;
      if (version !== heldVersion || this.#at[slot] !== at) {
        this.#version[slot] = version;
        this.#at[slot] = at;
        this.#seq[slot] = this.#nextSeq++;
        this.#siftUp(this.#heapPos[slot] as number);
        this.#siftDown(this.#heapPos[slot] as number);
      }
      return true;
    }
    if (at === null) return true;
    this.#insert(version, at, startedAt ?? Number.NaN);
    return true;
  }

  remove(gameId: string): void {
    const index = this.#find(gameId);
    if (index >= 0) this.#removeAt(index);
  }

  has(gameId: string): boolean {
    return this.#find(gameId) >= 0;
  }

  /** Removes every game for which `drop` is true (e.g. shards no longer owned). */
  removeWhere(drop: (gameId: string) => boolean): number {
    const doomed: string[] = [];
    for (let pos = 0; pos < this.#size; pos += 1) {
      const gameId = wordsToUuid(this.#ids, (this.#heap[pos] as number) * 4);
      if (drop(gameId)) doomed.push(gameId);
    }
    for (const gameId of doomed) this.remove(gameId);
    return doomed.length;
  }

  /** The earliest deadline, if any. */
  peek(): Deadline | undefined {
    return this.#size === 0 ? undefined : this.#deadlineOf(this.#heap[0] as number);
  }

  /** When takeDue() will next hand something out: the earliest deadline. */
  nextDueAt(): number | undefined {
    return this.#size === 0 ? undefined : this.#at[this.#heap[0] as number];
  }

  /** Takes up to `limit` deadlines at or before `now`, earliest first. */
  takeDue(now: number, limit: number): Deadline[] {
    const due: Deadline[] = [];
    while (due.length < limit && this.#size > 0) {
      const slot = this.#heap[0] as number;
      if ((this.#at[slot] as number) > now) break;
      due.push(this.#deadlineOf(slot));
      this.#removeAt(this.#indexOfSlot(slot));
    }
    return due;
  }

  /** How many held deadlines lie at or before `before`. */
  countBefore(before: number): number {
    let n = 0;
    for (let pos = 0; pos < this.#size; pos += 1)
      if ((this.#at[this.#heap[pos] as number] as number) <= before) n += 1;
    return n;
  }

  #deadlineOf(slot: number): Deadline {
    const started = this.#started[slot] as number;
    return {
      gameId: wordsToUuid(this.#ids, slot * 4),
      version: this.#version[slot] as number,
      at: this.#at[slot] as number,
      startedAt: Number.isNaN(started) ? undefined : started,
    };
  }

  #insert(version: number, at: number, started: number): void {
    if (this.#freeCount === 0 && this.#highWater === this.#capacity) this.#grow();
    const slot = this.#freeCount > 0 ? (this.#free[--this.#freeCount] as number) : this.#highWater++;
    this.#ids.set(this.#probe, slot * 4);
    this.#version[slot] = version;
    this.#at[slot] = at;
    this.#seq[slot] = this.#nextSeq++;
    this.#started[slot] = started;
    const pos = this.#size;
    this.#size += 1;
    this.#heap[pos] = slot;
    this.#heapPos[slot] = pos;
    this.#siftUp(pos);
    // #find left the probe's home; the table is at most half full, so there is an empty index.
    const table = this.#table;
    const mask = table.length - 1;
    let index = this.#hashOfProbe() & mask;
    while (table[index] !== empty) index = (index + 1) & mask;
    table[index] = slot;
  }

  /** Table index of the game's slot, or -1; leaves the id's words in #probe. Throws if not a uuid. */
  #find(gameId: string): number {
    const probe = this.#probe;
    if (!uuidToWords(gameId, probe, 0)) throw new TypeError(`game id is not a uuid: ${gameId}`);
    const table = this.#table;
    const ids = this.#ids;
    const mask = table.length - 1;
    for (let index = this.#hashOfProbe() & mask; ; index = (index + 1) & mask) {
      const slot = table[index] as number;
      if (slot === empty) return -1;
      const o = slot * 4;
      if (
        ids[o] === probe[0] &&
        ids[o + 1] === probe[1] &&
        ids[o + 2] === probe[2] &&
        ids[o + 3] === probe[3]
      )
        return index;
    }
  }

  /** Table index of a held slot (it is in the table by construction). */
  #indexOfSlot(slot: number): number {
    const probe = this.#probe;
    const ids = this.#ids;
    const o = slot * 4;
    probe[0] = ids[o] as number;
    probe[1] = ids[o + 1] as number;
    probe[2] = ids[o + 2] as number;
    probe[3] = ids[o + 3] as number;
    const table = this.#table;
    const mask = table.length - 1;
    let index = this.#hashOfProbe() & mask;
    while (table[index] !== slot) index = (index + 1) & mask;
    return index;
  }

  #hashOfProbe(): number {
    return hashWords(this.#probe, 0);
  }

  /** Drops the game at table `index`: from the heap, the table (backward shift, no tombstones) and its slot. */
  #removeAt(index: number): void {
    const table = this.#table;
    const slot = table[index] as number;
    // Heap: the last entry takes the removed one's place and moves whichever way it must.
    const pos = this.#heapPos[slot] as number;
    this.#size -= 1;
    if (pos !== this.#size) {
      const last = this.#heap[this.#size] as number;
      this.#heap[pos] = last;
      this.#heapPos[last] = pos;
      this.#siftUp(pos);
      this.#siftDown(this.#heapPos[last]);
    }
    this.#free[this.#freeCount++] = slot;
    const mask = table.length - 1;
    let hole = index;
    table[hole] = empty;
    for (let next = (hole + 1) & mask; table[next] !== empty; next = (next + 1) & mask) {
      const moved = table[next] as number;
      const home = hashWords(this.#ids, moved * 4) & mask;
      // `moved` may fill the hole unless its home lies cyclically in (hole, next].
      const homeBetween = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!homeBetween) {
        table[hole] = moved;
        table[next] = empty;
        hole = next;
      }
    }
  }

  #siftUp(start: number): void {
    const heap = this.#heap;
    const at = this.#at;
    const seq = this.#seq;
    const slot = heap[start] as number;
    const key = at[slot] as number;
    const order = seq[slot] as number;
    let pos = start;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const above = heap[parent] as number;
      const aboveAt = at[above] as number;
      if (aboveAt < key || (aboveAt === key && (seq[above] as number) < order)) break;
      heap[pos] = above;
      this.#heapPos[above] = pos;
      pos = parent;
    }
    heap[pos] = slot;
    this.#heapPos[slot] = pos;
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    const at = this.#at;
    const seq = this.#seq;
    const n = this.#size;
    const slot = heap[start] as number;
    const key = at[slot] as number;
    const order = seq[slot] as number;
    let pos = start;
    for (;;) {
      const left = 2 * pos + 1;
      if (left >= n) break;
      let child = left;
      let childSlot = heap[left] as number;
      const right = left + 1;
      if (right < n) {
        const rightSlot = heap[right] as number;
        const l = at[childSlot] as number;
        const r = at[rightSlot] as number;
        if (r < l || (r === l && (seq[rightSlot] as number) < (seq[childSlot] as number))) {
          child = right;
          childSlot = rightSlot;
        }
      }
      const belowAt = at[childSlot] as number;
      if (belowAt > key || (belowAt === key && (seq[childSlot] as number) > order)) break;
      heap[pos] = childSlot;
      this.#heapPos[childSlot] = pos;
      pos = child;
    }
    heap[pos] = slot;
    this.#heapPos[slot] = pos;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    this.#ids = grown(this.#ids, capacity * 4, Int32Array);
    this.#version = grown(this.#version, capacity, Float64Array);
    this.#at = grown(this.#at, capacity, Float64Array);
    this.#started = grown(this.#started, capacity, Float64Array);
    this.#seq = grown(this.#seq, capacity, Float64Array);
    this.#heapPos = grown(this.#heapPos, capacity, Int32Array);
    this.#heap = grown(this.#heap, capacity, Int32Array);
    this.#free = grown(this.#free, capacity, Int32Array);
    this.#capacity = capacity;
    // Rehash into a table twice the slots, keeping it at most half full.
    const table = new Int32Array(capacity * 2).fill(empty);
    const mask = table.length - 1;
    for (let pos = 0; pos < this.#size; pos += 1) {
      const slot = this.#heap[pos] as number;
      let index = hashWords(this.#ids, slot * 4) & mask;
      while (table[index] !== empty) index = (index + 1) & mask;
      table[index] = slot;
    }
    this.#table = table;
  }
}

function grown<T extends Int32Array | Float64Array>(
  from: T,
  length: number,
  Kind: new (length: number) => T,
): T {
  const to = new Kind(length);
  to.set(from);
  return to;
}

/** Mixes all four words: version-4 uuids are random, but time-ordered ones (v7) share their leading bytes. */
function hashWords(words: Int32Array, o: number): number {
  let h = Math.imul((words[o] as number) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (words[o + 1] as number), 0xc2b2ae35);
  h = Math.imul(h ^ (words[o + 2] as number), 0x85ebca6b);
  h = Math.imul(h ^ (words[o + 3] as number), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
