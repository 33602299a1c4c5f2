import { createHash } from 'node:crypto';

/**
 * Shard of a game: first 32 bits of md5(id) modulo the shard count. Must
 * match the SQL function realtime_shard() in db/migrations; a test keeps
 * the two equal.
 */
export function shardOf(gameId: string, shardCount: number): number {
  const digest = createHash('md5').update(gameId.toLowerCase()).digest();
  return digest.readUInt32BE(0) % shardCount;
}

export function allShards(shardCount: number): ReadonlySet<number> {
  return new Set(Array.from({ length: shardCount }, (_, i) => i));
}
