import type { Clock } from '@sketchyaf/core';
import type { OutboxRow, OutboxStore, PublishedMark } from '../src/relay/outboxStore.ts';

interface Stored {
  row: OutboxRow;
  published: boolean;
  deadLettered: boolean;
  attempts: number;
  lastError: string | null;
}

/**
 * The relay's outbox in memory, for the relay engine's unit tests: a test
 * adds events, can fail claims, and reads back what was marked published.
 */
export class InMemoryOutbox implements OutboxStore {
  readonly #rows: Stored[] = [];
  readonly #clock: Clock;
  #nextId = 1;
  /** Every claim, by its limit. */
  readonly claims: number[] = [];
  /** Fails every claim while set (the database is down). */
  failClaims: Error | null = null;
  readonly awake = new Set<string>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Adds `count` events of a game, sequences continuing from its last. */
  add(gameId: string, count: number): void {
    const last = this.#rows.filter((s) => s.row.game_id === gameId).length;
    for (let i = 1; i <= count; i += 1) {
      const id = String(this.#nextId++);
      this.#rows.push({
        row: {
          id,
          event_id: `00000000-0000-4000-9000-${id.padStart(12, '0')}`,
          game_id: gameId,
          sequence: String(last + i),
          type: 'phase_changed',
          channel: `game.${gameId}`,
          payload: { n: last + i },
          request_id: `req-${id}`,
          source: 'timer-monitor',
          occurred_at: new Date(this.#clock.now()),
          created_at: new Date(this.#clock.now()),
          payload_bytes: 20,
        },
        published: false,
        deadLettered: false,
        attempts: 0,
        lastError: null,
      });
    }
  }

  get unpublished(): number {
    return this.#rows.filter((s) => !s.published && !s.deadLettered).length;
  }

  /** Sequences of a game's events marked published, in outbox order. */
  marked(gameId: string): number[] {
    return this.#rows
      .filter((s) => s.row.game_id === gameId && s.published)
      .map((s) => Number(s.row.sequence));
  }

  /** The failure last recorded on a game's events (recordFailures, deadLetter), in outbox order. */
  lastErrors(gameId: string): (string | null)[] {
    return this.#rows.filter((s) => s.row.game_id === gameId).map((s) => s.lastError);
  }

  claim(options: { heldIds: readonly string[]; limit: number }): Promise<OutboxRow[]> {
    this.claims.push(options.limit);
    if (this.failClaims) return Promise.reject(this.failClaims);
    const held = new Set(options.heldIds);
    return Promise.resolve(
      this.#rows
        .filter((s) => !s.published && !s.deadLettered && !held.has(s.row.id))
        .slice(0, options.limit)
        .map((s) => s.row),
    );
  }

  markPublished(marks: readonly PublishedMark[]): Promise<void> {
    for (const m of marks) {
      const s = this.#rows.find((x) => x.row.id === m.id);
      if (s) {
        s.published = true;
        s.attempts += m.attempts;
      }
    }
    return Promise.resolve();
  }

  deadLetter(id: string, error: string, attempts: number): Promise<void> {
    const s = this.#rows.find((x) => x.row.id === id);
    if (s) Object.assign(s, { deadLettered: true, lastError: error, attempts: s.attempts + attempts });
    return Promise.resolve();
  }

  recordFailures(id: string, error: string, attempts: number): Promise<void> {
    const s = this.#rows.find((x) => x.row.id === id);
    if (s) Object.assign(s, { lastError: error, attempts: s.attempts + attempts });
    return Promise.resolve();
  }

  relayAwake(relayId: string): Promise<void> {
    this.awake.add(relayId);
    return Promise.resolve();
  }

  relayAsleep(relayId: string): Promise<void> {
    this.awake.delete(relayId);
    return Promise.resolve();
  }

  relayGone(relayId: string): Promise<void> {
    this.awake.delete(relayId);
    return Promise.resolve();
  }
}
