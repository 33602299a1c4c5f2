import type { LeaseFailureReason } from './leaseErrors.ts';

/** How the Redis nodes answered one Redlock operation. */
export interface VoteTally {
  /** Nodes that applied the operation. */
  for: number;
  /** Nodes that answered that another holder has the key. */
  locked: number;
  /** Nodes that did not answer: refused, timed out, disconnected, or failed the script. */
  failed: number;
}

export function quorumOf(nodes: number): number {
  return Math.floor(nodes / 2) + 1;
}

/**
 * Why an operation did not reach a quorum, or undefined when it did.
 * Unreachable nodes explain a failure only when they leave fewer than a
 * quorum answering; otherwise a majority answered and someone else holds
 * the key.
 */
export function classifyVotes(tally: VoteTally): LeaseFailureReason | undefined {
  const nodes = tally.for + tally.locked + tally.failed;
  const quorum = quorumOf(nodes);
  if (tally.for >= quorum) return undefined;
  const answered = tally.for + tally.locked;
  if (answered === 0) return 'redis_down';
  if (answered < quorum) return 'no_quorum';
  return 'held_elsewhere';
}
