import type { PublishFailureKind } from './publishErrors.ts';

/** Failures that say "PubNub will refuse the next call too": they count towards opening. */
export type CircuitFailure = Exclude<PublishFailureKind, 'poison'>;

export interface CircuitSettings {
  /** Consecutive transient or rate-limited failures that open the circuit. */
  threshold: number;
  /** Time open before one trial call is let through. */
  halfOpenAfterMs: number;
  /**
   * Same, after PubNub refused our credentials: someone has to fix the key,
   * so trials can be rarer; each one still costs only one request.
   */
  configurationHalfOpenAfterMs: number;
}

export type CircuitPhase =
  | { name: 'closed'; failures: number }
  | { name: 'open'; trialAt: number; cause: CircuitFailure }
  | { name: 'half_open'; cause: CircuitFailure };

export const closedCircuit: CircuitPhase = Object.freeze({ name: 'closed', failures: 0 });

/**
 * A failed call. Credentials refused open the circuit at once: every other
 * call would be refused the same way, so waiting for a threshold only burns
 * requests. A failed trial opens it again for a full delay.
 */
export function afterFailure(
  phase: CircuitPhase,
  failure: CircuitFailure,
  now: number,
  settings: CircuitSettings,
): CircuitPhase {
  const open = (): CircuitPhase => ({
    name: 'open',
    cause: failure,
    trialAt:
      now + (failure === 'configuration' ? settings.configurationHalfOpenAfterMs : settings.halfOpenAfterMs),
  });
  switch (phase.name) {
    case 'closed': {
      const failures = phase.failures + 1;
      return failure === 'configuration' || failures >= settings.threshold
        ? open()
        : { name: 'closed', failures };
    }
    case 'half_open':
      return open();
    case 'open':
      // A call sent before the circuit opened came back failed: it says nothing new.
      return phase;
  }
}

/**
 * A call PubNub answered (published, or refused for the event's own sake):
 * the key works and PubNub is reachable. Calls that were sent before the
 * circuit opened and come back while it is open do not close it; the trial decides.
 */
export function afterSuccess(phase: CircuitPhase): CircuitPhase {
  if (phase.name === 'open') return phase;
  return phase.name === 'closed' && phase.failures === 0 ? phase : closedCircuit;
}

/** May a call start now? Open and due: yes, as the one trial (half-open: the trial is out, nothing else goes). */
export function beforeCall(phase: CircuitPhase, now: number): { allowed: boolean; next: CircuitPhase } {
  switch (phase.name) {
    case 'closed':
      return { allowed: true, next: phase };
    case 'open':
      return now >= phase.trialAt
        ? { allowed: true, next: { name: 'half_open', cause: phase.cause } }
        : { allowed: false, next: phase };
    case 'half_open':
      return { allowed: false, next: phase };
  }
}
