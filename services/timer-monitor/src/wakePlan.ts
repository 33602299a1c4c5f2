/** What the timer monitor knows when it wakes; times are local monotonic ms. */
export interface WakeState {
  now: number;
  /** End of the replica's back-off after a database fault (0 or past: none). */
  backoffUntil: number;
  /** When the earliest queued deadline is due here (deadline + fire margin); infinity when none. */
  nextDue: number;
  /** Transition statements awaiting the database, and the limit. */
  statements: number;
  maxInFlight: number;
}

/** Whether a due batch may go out now: not backing off, and a statement slot free. */
export function mayLaunch(state: WakeState): boolean {
  return state.now >= state.backoffUntil && state.statements < state.maxInFlight;
}

/**
 * When to wake next; infinity when only an event can (an answer, a NOTIFY,
 * a resume). While every slot is busy and work is already due, the next
 * answer wakes the monitor: a timer for a time already past would fire at
 * once, find no slot, and re-arm, spinning the event loop until the answer.
 */
export function nextWakeAt(state: WakeState): number {
  if (state.backoffUntil > state.now) return Math.max(state.nextDue, state.backoffUntil);
  if (state.statements >= state.maxInFlight && state.nextDue <= state.now) return Number.POSITIVE_INFINITY;
  return state.nextDue;
}
