import type { Clock } from '@sketchyaf/core';
import type { AdvancedRow, CurrentRow, GameDeadlineRow, SweepResult, TimerStore } from '../src/timerStore.ts';

interface Game {
  id: string;
  version: number;
  status: string;
  round: number;
  at: number | null;
  started: number;
}

/** A database error as `pg` raises it: classifyDatabaseError reads the SQLSTATE `code`. */
export function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const cycle = ['briefing', 'drawing', 'voting', 'results'] as const;

/**
 * The timer monitor's store in memory, for the engine's unit tests: the
 * store's clock is the test's clock, a phase lasts `phaseMs`, and a test can
 * hold statements (to see what is in flight), fail them, or lock rows.
 */
export class InMemoryTimerStore implements TimerStore {
  readonly games = new Map<string, Game>();
  /** Every advanceBatch call, by game ids. */
  readonly statements: string[][] = [];
  /** Rows another transaction holds: skipped, like SKIP LOCKED. */
  readonly locked = new Set<string>();
  /** Fails every statement (the database is down) while set. */
  failAll: Error | null = null;
  /** Fails any statement that includes this game (its row breaks the trigger). */
  readonly poisoned = new Map<string, Error>();
  /** While true, statements wait for `release()`. */
  hold = false;
  readonly #clock: Clock;
  readonly #phaseMs: number;
  #held: (() => void)[] = [];
  #inFlight = 0;
  maxInFlight = 0;

  constructor(clock: Clock, phaseMs = 1000) {
    this.#clock = clock;
    this.#phaseMs = phaseMs;
  }

  addGame(id: string, at: number, status = 'drawing'): void {
    this.games.set(id, { id, version: 1, status, round: 1, at, started: this.#clock.now() });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Lets every held statement go on. */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const go of held) go();
  }

  tableBlocks(): Promise<number> {
    return Promise.resolve(1);
  }

  loadDeadlines(): Promise<GameDeadlineRow[]> {
    return Promise.resolve([...this.games.values()].filter((g) => g.at !== null).map((g) => this.#row(g)));
  }

  sweepOverdue(
    _shards: readonly number[] | null,
    _shardCount: number,
    options: { graceMs: number; overdueMs: number },
  ): Promise<SweepResult> {
    const now = this.#clock.now();
    const late = [...this.games.values()].filter((g) => g.at !== null && g.at <= now - options.graceMs);
    return Promise.resolve({
      rows: late.map((g) => this.#row(g)),
      overdue: late.filter((g) => (g.at ?? now) <= now - options.overdueMs).length,
    });
  }

  countOverdue(
    _shards: readonly number[] | null,
    _shardCount: number,
    options: { overdueMs: number },
  ): Promise<number> {
    const now = this.#clock.now();
    return Promise.resolve(
      [...this.games.values()].filter((g) => g.at !== null && g.at <= now - options.overdueMs).length,
    );
  }

  async advanceBatch(batch: readonly { gameId: string; version: number }[]): Promise<AdvancedRow[]> {
    this.statements.push(batch.map((b) => b.gameId));
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
      if (this.failAll) throw this.failAll;
      for (const b of batch) {
        const poison = this.poisoned.get(b.gameId);
        if (poison) throw poison;
      }
      const now = this.#clock.now();
      const advanced: AdvancedRow[] = [];
      for (const b of batch) {
        const g = this.games.get(b.gameId);
        if (!g || g.version !== b.version || g.at === null || g.at > now || this.locked.has(g.id)) continue;
        const next =
          cycle[(cycle.indexOf(g.status as (typeof cycle)[number]) + 1) % cycle.length] ?? 'drawing';
        if (next === 'briefing') g.round += 1;
        g.status = next;
        g.version += 1;
        g.started = now;
        g.at = now + this.#phaseMs;
        advanced.push({ ...this.#row(g), status: g.status, round: g.round });
      }
      return advanced;
    } finally {
      this.#inFlight -= 1;
    }
  }

  currentDeadlines(gameIds: readonly string[]): Promise<CurrentRow[]> {
    const now = this.#clock.now();
    return Promise.resolve(
      gameIds.flatMap((id) => {
        const g = this.games.get(id);
        return g ? [{ ...this.#row(g), db_now: now }] : [];
      }),
    );
  }

  now(): Promise<number> {
    return Promise.resolve(this.#clock.now());
  }

  #row(g: Game): GameDeadlineRow {
    return { id: g.id, version: String(g.version), at: g.at, started: g.started };
  }
}
