/** The relay's claim settings (RELAY_CLAIM_BATCH, RELAY_CLAIM_BATCH_MAX, RELAY_MAX_BUFFERED). */
export interface ClaimSizing {
  claimBatch: number;
  claimBatchMax: number;
  maxBuffered: number;
}

/** What the relay knows of the backlog: what it holds and how the previous claim went. */
export interface ClaimState {
  buffered: number;
  /** Rows asked for by the previous claim (0: none yet, or the backlog was caught up). */
  previousLimit: number;
  /** The previous claim came back with as many rows as it asked for: more are waiting. */
  previousFull: boolean;
}

/**
 * Rows to ask for in the next claim; 0: do not claim now. Caught up, a claim
 * asks for `claimBatch`, so the first events of a burst go out after a small,
 * fast claim. Each full claim says a backlog waits: the next asks for twice as
 * many, up to `claimBatchMax`, because a claim's cost is mostly fixed (bench:
 * 500 rows ~20 ms, 2,000 ~35 ms, 5,000 ~75 ms), so 5,000 events of one
 * instant take 4 statements instead of 10. No claim unless a good batch fits:
 * many small claims would each resend every held id.
 */
export function nextClaimSize(sizing: ClaimSizing, state: ClaimState): number {
  const room = sizing.maxBuffered - state.buffered;
  if (room < Math.min(sizing.claimBatch, Math.ceil(sizing.maxBuffered / 4))) return 0;
  const wanted = state.previousFull
    ? Math.min(
        Math.max(sizing.claimBatchMax, sizing.claimBatch),
        Math.max(sizing.claimBatch, state.previousLimit * 2),
      )
    : sizing.claimBatch;
  return Math.min(wanted, room);
}
