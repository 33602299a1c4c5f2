import { systemClock, type Clock, type TimerHandle } from '@sketchyaf/core';

/** Groups whose first submissions all waited make a standing queue (see standingWaitMs). */
const standingGroups = 5;

/** The outcome of one submission within a flushed group. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T, R> {
  /** Flush once the pending submissions weigh this much (e.g. events). */
  maxWeight: number;
  /** Wait this long after the first pending submission for company; 0 = the next turn of the event loop. */
  maxWaitMs: number;
  /** Groups being written at once. */
  maxInFlight: number;
  /** Writes a group; returns one outcome per submission, in order. Throwing fails them all. */
  flush(group: readonly T[]): Promise<Settled<R>[]>;
  /** Called after each flush (for metrics). */
  onFlush?(info: { submissions: number; weight: number; ms: number; ok: boolean }): void;
  /**
   * A submission still waiting for a flush after this long is rejected with `expired()`:
   * nothing of it was sent, so its caller may retry at once. Without it, a caller waits
   * behind every group in flight, however long the database takes to fail them.
   */
  maxQueueMs?: number;
  expired?(): unknown;
  /** Times the group wait, the queue expiry and flush durations; the system clock by default. */
  clock?: Clock;
}

interface Pending<T, R> {
  item: T;
  weight: number;
  /** clock.monotonic() at submit. */
  queuedAt: number;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent callers share one statement and one transaction.
 * A submission is never split across groups, so a caller's items commit
 * together or not at all.
 */
export class GroupCommitter<T, R> {
  readonly #options: GroupCommitOptions<T, R>;
  #pending: Pending<T, R>[] = [];
  #pendingWeight = 0;
  #timer: { cancel(): void } | undefined;
  #timerDue = false;
  #inFlight = new Set<Promise<void>>();
  readonly #clock: Clock;
  #expiryTimer: TimerHandle | undefined;
  /** How long the first submission of each of the last groups had waited when the group was sent. */
  #recentWaits: number[] = [];

  constructor(options: GroupCommitOptions<T, R>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** How long the oldest submission still waiting for a group has waited; 0 when none waits. */
  oldestWaitMs(): number {
    const oldest = this.#pending[0];
    return oldest === undefined ? 0 : this.#clock.monotonic() - oldest.queuedAt;
  }

  /**
   * The queue's standing wait: the least of the waits of the last groups'
   * first submissions and of the one waiting now; 0 when none waits. A burst
   * waits in a few groups and is gone; a queue that stays makes every group
   * wait (CoDel's minimum sojourn time, not its peaks).
   */
  standingWaitMs(): number {
    if (this.#pending.length === 0) return 0;
    return Math.min(this.oldestWaitMs(), ...this.#recentWaits);
  }

  submit(item: T, weight = 1): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, weight, queuedAt: this.#clock.monotonic(), resolve, reject });
      this.#pendingWeight += weight;
      this.#schedule();
      this.#scheduleExpiry();
    });
  }

  #scheduleExpiry(): void {
    const { maxQueueMs } = this.#options;
    const oldest = this.#pending[0];
    if (maxQueueMs === undefined || oldest === undefined || this.#expiryTimer !== undefined) return;
    const dueIn = Math.max(0, oldest.queuedAt + maxQueueMs - this.#clock.monotonic());
    this.#expiryTimer = this.#clock.setTimeout(() => {
      this.#expiryTimer = undefined;
      this.#expire(maxQueueMs);
      this.#scheduleExpiry();
    }, dueIn);
    this.#expiryTimer.unref?.();
  }

  /** Rejects the submissions queued for `maxQueueMs` or longer (the oldest are first). */
  #expire(maxQueueMs: number): void {
    const cutoff = this.#clock.monotonic() - maxQueueMs;
    for (
      let head = this.#pending[0];
      head !== undefined && head.queuedAt <= cutoff;
      head = this.#pending[0]
    ) {
      this.#pending.shift();
      this.#pendingWeight -= head.weight;
      head.reject(this.#options.expired?.() ?? new Error('group commit: waited too long for a flush'));
    }
  }

  /** Flushes what is pending and waits for every group in flight. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#inFlight.size > 0) {
      this.#timerDue = true;
      this.#schedule();
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  #schedule(): void {
    if (this.#pending.length === 0) return;
    if (this.#inFlight.size >= this.#options.maxInFlight) return;
    if (this.#timerDue || this.#pendingWeight >= this.#options.maxWeight) {
      this.#flushNow();
      return;
    }
    if (this.#timer !== undefined) return;
    const fire = (): void => {
      this.#timer = undefined;
      this.#timerDue = true;
      this.#schedule();
    };
    if (this.#options.maxWaitMs === 0) {
      const immediate = setImmediate(fire);
      this.#timer = { cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = this.#clock.setTimeout(fire, this.#options.maxWaitMs);
      this.#timer = { cancel: () => this.#clock.clearTimeout(timeout) };
    }
  }

  #flushNow(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDue = false;
    // Take whole submissions up to the weight limit (at least one).
    let weight = 0;
    let count = 0;
    while (count < this.#pending.length) {
      const next = this.#pending[count] as Pending<T, R>;
      if (count > 0 && weight + next.weight > this.#options.maxWeight) break;
      weight += next.weight;
      count += 1;
    }
    const headWait = this.oldestWaitMs();
    this.#recentWaits.push(headWait);
    if (this.#recentWaits.length > standingGroups) this.#recentWaits.shift();
    const group = this.#pending.splice(0, count);
    this.#pendingWeight -= weight;
    const started = this.#clock.monotonic();
    const run = this.#run(group, weight, started).finally(() => {
      this.#inFlight.delete(run);
      // Whatever queued up meanwhile has waited long enough.
      if (this.#pending.length > 0) this.#timerDue = true;
      this.#schedule();
    });
    this.#inFlight.add(run);
    if (this.#pending.length > 0) this.#schedule();
  }

  async #run(group: Pending<T, R>[], weight: number, started: number): Promise<void> {
    let outcomes: Settled<R>[];
    try {
      outcomes = await this.#options.flush(group.map((p) => p.item));
    } catch (err) {
      this.#options.onFlush?.({
        submissions: group.length,
        weight,
        ms: this.#clock.monotonic() - started,
        ok: false,
      });
      for (const p of group) p.reject(err);
      return;
    }
    this.#options.onFlush?.({
      submissions: group.length,
      weight,
      ms: this.#clock.monotonic() - started,
      ok: true,
    });
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (!outcome) p.reject(new Error('group commit: flush returned too few outcomes'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
