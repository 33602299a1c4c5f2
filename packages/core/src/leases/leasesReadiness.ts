import type { ReadinessCheck } from '../http/readiness.ts';
import type { ShardLeasesStatus } from './shardLeases.ts';

/**
 * What /readyz says about a replica's leases. Ready while it owns shards
 * (even if Redis just went away: its leases are still valid), or when its
 * fair share is legitimately empty (more replicas than shards). Otherwise
 * not ready, with the reason: Redis unreachable, no quorum, or the wait for
 * shards that other replicas still hold.
 */
export function describeLeaseReadiness(status: ShardLeasesStatus): { ok: boolean; detail: string } {
  const { owned, shardCount, members, target, problem, rounds } = status;
  const share = `owns ${owned} of ${shardCount} shards, ${members} member${members === 1 ? '' : 's'}`;
  if (owned > 0) {
    return { ok: true, detail: problem ? `${share}; ${problem.message}` : share };
  }
  if (problem) return { ok: false, detail: `owns no shards: ${problem.message}` };
  if (rounds === 0)
    return { ok: false, detail: 'owns no shards yet: the first lease round has not finished' };
  if (target === 0) return { ok: true, detail: `${share} (more replicas than shards)` };
  return {
    ok: false,
    detail: `owns no shards yet: waiting for ${target} shards that other replicas still hold`,
  };
}

/** A /readyz check named `name` over a ShardLeases' status. */
export function leasesReadinessCheck(
  leases: { status(): ShardLeasesStatus },
  name = 'leases',
): ReadinessCheck {
  return {
    name,
    check: () => {
      const { ok, detail } = describeLeaseReadiness(leases.status());
      return ok ? Promise.resolve(detail) : Promise.reject(new Error(detail));
    },
  };
}
