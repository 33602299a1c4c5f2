/**
 * Why a lease operation failed or a lease ended. Used as the `reason` label
 * of the lease metrics and in logs, so keep the values stable.
 * - held_elsewhere: a quorum of nodes answered and another holder has the key.
 * - no_quorum: some nodes answered, but fewer than a majority.
 * - redis_down: no node answered (refused, timed out, disconnected).
 * - expired: the validity ran out (a slow answer, a paused process) without
 *   one of the causes above being known.
 * - released: given up on purpose (rebalancing or stop); not a loss.
 */
export type LeaseFailureReason = 'held_elsewhere' | 'no_quorum' | 'redis_down' | 'expired';
export type LeaseEndReason = LeaseFailureReason | 'released';

/** Base class of every lease failure; `reason` says which kind. */
export class LeaseError extends Error {
  readonly reason: LeaseEndReason;
  readonly shard: number | undefined;

  constructor(reason: LeaseEndReason, message: string, options?: ErrorOptions & { shard?: number }) {
    super(message, options);
    this.name = 'LeaseError';
    this.reason = reason;
    this.shard = options?.shard;
  }
}

export class LeaseHeldElsewhereError extends LeaseError {
  constructor(message: string, options?: ErrorOptions & { shard?: number }) {
    super('held_elsewhere', message, options);
    this.name = 'LeaseHeldElsewhereError';
  }
}

export class LeaseNoQuorumError extends LeaseError {
  constructor(message: string, options?: ErrorOptions & { shard?: number }) {
    super('no_quorum', message, options);
    this.name = 'LeaseNoQuorumError';
  }
}

export class RedisUnavailableError extends LeaseError {
  constructor(message: string, options?: ErrorOptions & { shard?: number }) {
    super('redis_down', message, options);
    this.name = 'RedisUnavailableError';
  }
}

export class LeaseExpiredError extends LeaseError {
  constructor(message: string, options?: ErrorOptions & { shard?: number }) {
    super('expired', message, options);
    this.name = 'LeaseExpiredError';
  }
}

/** The abort reason of a shard whose lease was given up on purpose (rebalanced away, or stop()). */
export class LeaseReleasedError extends LeaseError {
  constructor(message: string, options?: ErrorOptions & { shard?: number }) {
    super('released', message, options);
    this.name = 'LeaseReleasedError';
  }
}

export function leaseErrorFor(
  reason: LeaseFailureReason,
  message: string,
  options?: ErrorOptions & { shard?: number },
): LeaseError {
  switch (reason) {
    case 'held_elsewhere':
      return new LeaseHeldElsewhereError(message, options);
    case 'no_quorum':
      return new LeaseNoQuorumError(message, options);
    case 'redis_down':
      return new RedisUnavailableError(message, options);
    case 'expired':
      return new LeaseExpiredError(message, options);
  }
}
