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

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    const { clock } = this.#options;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      const started = clock.monotonic();
      this.#round = this.#runOnce().then(() => {
        this.#round = undefined;
        const { intervalMs, cadence } = this.#options;
        const elapsed = clock.monotonic() - started;
        this.#schedule(cadence === 'rate' ? Math.max(0, intervalMs - elapsed) : intervalMs);
      });
    }, delayMs);
    this.#timer.unref?.();
  }

  async #runOnce(): Promise<void> {
    try {
      await this.#options.run();
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}
