import { hash } from 'node:crypto';

/**
 * Shard of a game: first 32 bits of md5(id) modulo the shard count. Must
 * match the SQL function realtime_shard() in db/migrations; a test keeps
 * the two equal.
 */
export function shardOf(gameId: string, shardCount: number): number {
  // One-shot hash() to hex is ~3x faster than createHash().digest(): this runs per transition.
  return Number.parseInt(hash('md5', gameId.toLowerCase(), 'hex').slice(0, 8), 16) % shardCount;
}

export function allShards(shardCount: number): ReadonlySet<number> {
  return new Set(Array.from({ length: shardCount }, (_, i) => i));
}
