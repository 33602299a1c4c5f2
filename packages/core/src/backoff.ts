export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/**
 * The back-offs in use, named by what waits, so that a new caller picks one
 * by meaning instead of writing numbers again.
 */
export const backoffPresets = Object.freeze({
  /** A statement, claim or mark that failed for a transient database reason. */
  databaseRetry: Object.freeze({ baseMs: 100, maxMs: 5000 }),
  /** A start step (PostgreSQL, Redis, the control source) that is not up yet. */
  serviceStart: Object.freeze({ baseMs: 100, maxMs: 1000 }),
  /** A row held by another transaction: short and many. */
  busyRow: Object.freeze({ baseMs: 5, maxMs: 100 }),
  /** Re-opening the LISTEN connection. */
  listenerReconnect: Object.freeze({ baseMs: 100, maxMs: 2000 }),
  /** A migration that waited lock_timeout for `games`: room for a long transaction to finish. */
  migrationLock: Object.freeze({ baseMs: 1000, maxMs: 15_000 }),
} satisfies Record<string, Readonly<BackoffSettings>>);

export type BackoffPreset = keyof typeof backoffPresets;

/** The n-th consecutive failure's (1-based) ceiling: `baseMs` doubling, capped at `maxMs`; no jitter. */
export function doublingDelay(failures: number, settings: BackoffSettings): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
}

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure
 * (1-based) waits between half and all of min(maxMs, baseMs * 2^(n-1)), so
 * retries spread out but never come back at once. `random` is in [0, 1).
 */
export function backoffDelay(
  failures: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const ceiling = doublingDelay(failures, settings);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Consecutive failures and the wait each asks for; `succeeded` starts over. */
export class Backoff {
  readonly #settings: BackoffSettings;
  readonly #random: (() => number) | null;
  #failures = 0;

  /** `random` null: the doubling ceiling itself, without jitter. */
  constructor(settings: BackoffSettings, random: (() => number) | null = Math.random) {
    this.#settings = settings;
    this.#random = random;
  }

  get failures(): number {
    return this.#failures;
  }

  /** The ceiling the next failure will wait (exactly, without jitter), for a log line before it is counted. */
  peek(): number {
    return doublingDelay(this.#failures + 1, this.#settings);
  }

  /** Counts one more failure; returns how long to wait before the next try. */
  failed(): number {
    this.#failures += 1;
    return this.#random === null
      ? doublingDelay(this.#failures, this.#settings)
      : backoffDelay(this.#failures, this.#settings, this.#random);
  }

  succeeded(): void {
    this.#failures = 0;
  }
}
