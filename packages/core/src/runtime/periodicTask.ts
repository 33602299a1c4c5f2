import type { Clock, TimerHandle } from '../clock.ts';

export interface PeriodicTaskOptions {
  clock: Clock;
  intervalMs: number;
  /** One round; never overlaps the previous one. */
  run: () => Promise<void> | void;
  /** A round that threw or rejected; the task goes on. Default: ignored. */
  onError?: (err: unknown) => void;
  /**
   * 'delay' (default): the next round starts `intervalMs` after this one ended.
   * 'rate': `intervalMs` after this one started (at once when it took longer).
   */
  cadence?: 'delay' | 'rate';
}

/**
 * A loop of rounds on the clock: the rounds never overlap, a failing round
 * does not end the loop, and `stop` waits for the round in progress. The
 * timer is unref'd: a periodic task alone never keeps a process alive.
 */
export class PeriodicTask {
  readonly #options: PeriodicTaskOptions;
  #timer: TimerHandle | undefined;
  #running = false;
  #round: Promise<void> | undefined;
  // Set before the round's first line runs, so a runNow from inside it coalesces too.
  #inRound = false;
  #again = false;

  constructor(options: PeriodicTaskOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts the loop; the first round runs after `firstDelayMs` (default: one interval). */
  start(firstDelayMs = this.#options.intervalMs): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(firstDelayMs);
  }

  /** No further rounds; resolves once the round in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /**
   * A round now rather than at its time ("something changed, look again").
   * During a round, one more runs right after it: requests made meanwhile
   * coalesce into that one. The next interval counts from the round run now.
   * Does nothing while stopped.
   */
  runNow(): void {
    if (!this.#running) return;
    if (this.#inRound) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#startRound();
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#startRound();
    }, delayMs);
    this.#timer.unref?.();
  }

  #startRound(): void {
    const { clock } = this.#options;
    const started = clock.monotonic();
    this.#inRound = true;
    this.#round = this.#runOnce().then(() => {
      this.#inRound = false;
      this.#round = undefined;
      if (this.#again) {
        this.#again = false;
        this.runNow();
        return;
      }
      const { intervalMs, cadence } = this.#options;
      const elapsed = clock.monotonic() - started;
      this.#schedule(cadence === 'rate' ? Math.max(0, intervalMs - elapsed) : intervalMs);
    });
  }

  async #runOnce(): Promise<void> {
    try {
      await this.#options.run();
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}
