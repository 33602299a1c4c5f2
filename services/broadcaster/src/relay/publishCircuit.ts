import type { Clock } from '@sketchyaf/core';
import {
  afterFailure,
  afterSuccess,
  beforeCall,
  closedCircuit,
  type CircuitFailure,
  type CircuitPhase,
  type CircuitSettings,
} from './circuitPolicy.ts';
import { PublishError } from './publishErrors.ts';

export type CircuitStateName = 'closed' | 'half_open' | 'open';

/** Values of the circuit-state gauge. */
export const circuitGaugeValue: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

export interface PublishCircuitOptions extends CircuitSettings {
  clock: Pick<Clock, 'now'>;
  /** Told of every change of state, with the failure that opened it. */
  onStateChange?(state: CircuitStateName, cause: CircuitFailure | null): void;
}

/** Thrown by `execute` without calling anything while the circuit is open or its trial is out. */
export class BrokenCircuitError extends Error {
  override name = 'BrokenCircuitError';
}

/** The failure kind that counts against the circuit, or null (poison, or not a publish failure). */
export function circuitFailureOf(err: unknown): CircuitFailure | null {
  if (!(err instanceof PublishError)) return null;
  return err.kind === 'poison' ? null : err.kind;
}

/**
 * The breaker around publishes (decisions in circuitPolicy.ts). Open: calls
 * fail fast and the relay stops claiming; when the trial is due one call goes
 * and decides between closed and open again. Slowness never counts: only
 * errors and timeouts do.
 */
export class PublishCircuit {
  readonly #options: PublishCircuitOptions;
  #phase: CircuitPhase = closedCircuit;

  constructor(options: PublishCircuitOptions) {
    this.#options = options;
  }

  get state(): CircuitStateName {
    return this.#phase.name;
  }

  /** Why it is open or half-open (null when closed). */
  get cause(): CircuitFailure | null {
    return this.#phase.name === 'closed' ? null : this.#phase.cause;
  }

  /** When an open circuit will let a trial call through (epoch ms); 0 when not open. */
  get trialDueAt(): number {
    return this.#phase.name === 'open' ? this.#phase.trialAt : 0;
  }

  /** Runs `fn` through the breaker; throws BrokenCircuitError without calling it while open. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const gate = beforeCall(this.#phase, this.#options.clock.now());
    if (!gate.allowed) throw new BrokenCircuitError('PubNub circuit open');
    this.#move(gate.next);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      const failure = circuitFailureOf(err);
      this.#move(
        failure === null
          ? afterSuccess(this.#phase)
          : afterFailure(this.#phase, failure, this.#options.clock.now(), this.#options),
      );
      throw err;
    }
    this.#move(afterSuccess(this.#phase));
    return result;
  }

  #move(next: CircuitPhase): void {
    const before = this.#phase;
    this.#phase = next;
    if (before.name !== next.name) this.#options.onStateChange?.(next.name, this.cause);
  }
}
