import { createHash } from 'node:crypto';

/**
 * Balanced rendezvous (highest-random-weight) assignment of shards to
 * members. Every replica computes it from the same member list, so all agree
 * on who should own what without talking to each other.
 *
 * Plain HRW gives each shard to the member with the highest weight for it,
 * which is stable (a join or leave moves only about 1/M of the shards) but
 * not exactly fair. Here every (shard, member) pair is ranked by weight and
 * taken greedily, highest first, while the member has capacity: each member
 * may hold floor(S/M) shards, and the first S mod M members to want one more
 * get one more. Every shard is assigned (total capacity is exactly S) and
 * counts differ by at most one.
 */
export function assignShards(
  members: Iterable<string>,
  shardCount: number,
): ReadonlyMap<string, ReadonlySet<number>> {
  const ids = [...new Set(members)].sort();
  const result = new Map<string, Set<number>>(ids.map((id) => [id, new Set<number>()]));
  const m = ids.length;
  if (m === 0 || shardCount <= 0) return result;

  const seeds = ids.map(memberSeed);
  const pairs = shardCount * m;
  const weights = new Uint32Array(pairs);
  for (let shard = 0; shard < shardCount; shard += 1) {
    const mixedShard = mix32(shard + 0x9e3779b9);
    for (let i = 0; i < m; i += 1) weights[shard * m + i] = mix32((seeds[i] as number) ^ mixedShard);
  }
  // Highest weight first; equal weights fall back to the pair index (shard, then member id).
  const order = Array.from({ length: pairs }, (_, i) => i).sort(
    (a, b) => (weights[b] as number) - (weights[a] as number) || a - b,
  );

  const floor = Math.floor(shardCount / m);
  let extras = shardCount % m;
  const counts = new Uint32Array(m);
  const assigned = new Uint8Array(shardCount);
  let remaining = shardCount;
  for (const pair of order) {
    const shard = Math.floor(pair / m);
    const member = pair % m;
    if (assigned[shard] === 1) continue;
    const count = counts[member] as number;
    if (count >= floor) {
      if (count > floor || extras === 0) continue;
      extras -= 1;
    }
    counts[member] = count + 1;
    assigned[shard] = 1;
    result.get(ids[member] as string)?.add(shard);
    remaining -= 1;
    if (remaining === 0) break;
  }
  return result;
}

/** The shards `memberId` should own among `members` (it counts itself even when absent from the list). */
export function targetShards(
  memberId: string,
  members: Iterable<string>,
  shardCount: number,
): ReadonlySet<number> {
  const all = new Set(members);
  all.add(memberId);
  return assignShards(all, shardCount).get(memberId) ?? new Set<number>();
}

function memberSeed(id: string): number {
  return createHash('md5').update(id).digest().readUInt32BE(0);
}

/** MurmurHash3's 32-bit finaliser: a cheap, well-mixing bijection. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
