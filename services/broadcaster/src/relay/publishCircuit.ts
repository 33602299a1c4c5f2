import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { RateLimitedPublishError, SlowPublishError, TransientPublishError } from './publishErrors.ts';

export type CircuitStateName = 'closed' | 'half_open' | 'open';

/** Values of the circuit-state gauge. */
export const circuitGaugeValue: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

export interface PublishCircuitOptions {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** Time open before one trial call is let through. */
  halfOpenAfterMs: number;
  onStateChange?(state: CircuitStateName): void;
}

/** Failures that say "PubNub is unwell" (not "this event is bad"): they count towards opening. */
export function countsAgainstCircuit(err: unknown): boolean {
  return (
    err instanceof TransientPublishError ||
    err instanceof RateLimitedPublishError ||
    err instanceof SlowPublishError
  );
}

/**
 * cockatiel's circuit breaker around publishes. Open: calls fail fast and the
 * relay stops claiming; after `halfOpenAfterMs` one trial call decides between
 * closed and open again. Poison errors pass through without counting.
 */
export class PublishCircuit {
  readonly #policy: CircuitBreakerPolicy;
  readonly #halfOpenAfterMs: number;
  #openedAt = 0;

  constructor(options: PublishCircuitOptions) {
    this.#halfOpenAfterMs = options.halfOpenAfterMs;
    this.#policy = circuitBreaker(handleWhen(countsAgainstCircuit), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.threshold),
    });
    this.#policy.onStateChange((state) => {
      if (state === CircuitState.Open || state === CircuitState.Isolated) this.#openedAt = Date.now();
      options.onStateChange?.(toName(state));
    });
  }

  get state(): CircuitStateName {
    return toName(this.#policy.state);
  }

  /** When an open circuit will let a trial call through (epoch ms). */
  get trialDueAt(): number {
    return this.#openedAt + this.#halfOpenAfterMs;
  }

  /** Runs `fn` through the breaker; throws BrokenCircuitError without calling it while open. */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    return this.#policy.execute(fn);
  }
}

function toName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
