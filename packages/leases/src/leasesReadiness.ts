import type { ReadinessCheck } from '@sketchyaf/core';
import type { ShardLeasesStatus } from './shardLeases.ts';

/**
 * What /readyz says about a replica's leases. Ready while it owns shards
 * (even if Redis or the database just went away: its holds are still
 * valid), or when its fair share is legitimately empty (more replicas than
 * shards). Ready on the PostgreSQL fallback too, with "fallback: postgres" in
 * the detail: the work goes on, and timers and the relay are not traffic that
 * readiness steers; the Redis outage shows in the lease_mode metric and its
 * alert. Otherwise not ready, with the reason: lease rows unreachable, or the
 * wait for shards that other replicas still hold.
 */
export function describeLeaseReadiness(status: ShardLeasesStatus): { ok: boolean; detail: string } {
  const { owned, shardCount, members, target, problem, postgresProblem, rounds, mode } = status;
  const share = `owns ${owned} of ${shardCount} shards, ${members} member${members === 1 ? '' : 's'}`;
  const notes = [
    ...(mode === 'postgres' ? ['fallback: postgres'] : []),
    ...(problem ? [problem.message] : []),
    ...(postgresProblem ? [postgresProblem] : []),
  ];
  const noted = (text: string): string => (notes.length > 0 ? `${text}; ${notes.join('; ')}` : text);
  if (owned > 0) return { ok: true, detail: noted(share) };
  if (postgresProblem) return { ok: false, detail: noted('owns no shards') };
  if (rounds === 0)
    return { ok: false, detail: noted('owns no shards yet: the first lease round has not finished') };
  if (target === 0) return { ok: true, detail: noted(`${share} (more replicas than shards)`) };
  return {
    ok: false,
    detail: noted(`owns no shards yet: waiting for ${target} shards that other replicas still hold`),
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
