import type { CircuitStateName } from './publishCircuit.ts';

/** What the relay knows when it asks whether to claim or publish: no I/O, time as `now`. */
export interface RelayGateState {
  now: number;
  running: boolean;
  /** Runtime control: broadcasting paused. */
  paused: boolean;
  circuit: CircuitStateName;
  /** When an open circuit lets its trial through (epoch ms). */
  trialDueAt: number;
}

/**
 * May the relay claim from the outbox now? Not while stopped, backing off
 * after a failed claim, or paused. While the circuit is open it claims only
 * to have something for the trial call once that is due, and never while
 * half-open: the trial decides first. Claimed events would otherwise only
 * pile up in memory while PubNub refuses them.
 */
export function mayClaim(state: RelayGateState & { claimBackoffUntil: number; queued: number }): boolean {
  if (!state.running || state.now < state.claimBackoffUntil || state.paused) return false;
  return (
    state.circuit === 'closed' ||
    (state.circuit === 'open' && state.queued === 0 && state.now >= state.trialDueAt)
  );
}

/**
 * What a dispatch may start:
 * - off: stopped or paused; no timer either (a resume wakes the relay);
 * - await_trial: half-open, or the trial is out: its completion dispatches again;
 * - wait until `until`: PubNub asked for a pause (429 Retry-After), or the open circuit's trial is not due yet;
 * - trial: one event, as the open circuit's trial call;
 * - fill: as many as the slots and the publish rate allow.
 */
export type DispatchPlan =
  | { kind: 'off' }
  | { kind: 'await_trial' }
  | { kind: 'wait'; until: number }
  | { kind: 'trial' }
  | { kind: 'fill' };

export function dispatchPlan(
  state: RelayGateState & { rateLimitedUntil: number; trialInFlight: boolean },
): DispatchPlan {
  if (!state.running || state.paused) return { kind: 'off' };
  // A 429 holds every game, whatever the circuit: PubNub throttles the key, not a channel.
  if (state.now < state.rateLimitedUntil) return { kind: 'wait', until: state.rateLimitedUntil };
  switch (state.circuit) {
    case 'closed':
      return { kind: 'fill' };
    case 'open':
      if (state.now < state.trialDueAt) return { kind: 'wait', until: state.trialDueAt };
      return state.trialInFlight ? { kind: 'await_trial' } : { kind: 'trial' };
    case 'half_open':
      return { kind: 'await_trial' };
  }
}
