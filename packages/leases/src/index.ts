// Shard leases: which replica works which shards, held in Redis (Redlock) or PostgreSQL.
export { ShardLeases, type ShardLeasesOptions, type ShardLeasesStatus } from './shardLeases.ts';
export { assignShards, targetShards } from './assignment.ts';
export { classifyVotes, quorumOf, type VoteTally } from './classifyVotes.ts';
export { LeaseBook, leaseMarginMs, leaseValidUntil, type LeaseTiming } from './leaseBook.ts';
export {
  LeaseError,
  LeaseHeldElsewhereError,
  LeaseNoQuorumError,
  RedisUnavailableError,
  LeaseExpiredError,
  LeaseReleasedError,
  type LeaseFailureReason,
  type LeaseEndReason,
} from './leaseErrors.ts';
export { describeLeaseReadiness, leasesReadinessCheck } from './leasesReadiness.ts';
export { createLeaseRedisClient, type LeaseRedisClientOptions } from './redisNodes.ts';
export { leaseEnvShape, type LeaseSettings } from './leaseConfig.ts';
export { redisCaFileOf, redisTlsOptions } from './redisTls.ts';
export { leasesFor } from './leasesFor.ts';
export { PostgresHolds, type LeaseMode, type PostgresView } from './postgresHolds.ts';
export { leaseMembersOf, leaseModeOf, planRound, type RoundInput, type RoundPlan } from './roundPlan.ts';
