import { z } from 'zod';
import { intField, urlListField } from '@sketchyaf/core';

/**
 * The shard-lease settings every sharded service reads, with its own key
 * name space as the default prefix. Spread into a service's config shape.
 * REDIS_URL unset means no leases: the replica owns every shard.
 */
export function leaseEnvShape(defaultPrefix: string) {
  return {
    REDIS_URL: urlListField(['redis:', 'rediss:']).optional(),
    LEASE_TTL_MS: intField({ min: 300, max: 60_000, default: 5000 }),
    LEASE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]+$/, 'must be letters, digits and : _ . -')
      .default(defaultPrefix),
  };
}

/** The lease settings of a service's config, as every sharded service holds them. */
export interface LeaseSettings {
  /** Null: no leases, the replica owns every shard. */
  redisUrls: readonly string[] | null;
  leaseTtlMs: number;
  leasePrefix: string;
  /** PEM bundle of a private CA for `rediss://` nodes (REDIS_CA_FILE); unset: node's public roots. */
  redisCaFile?: string | null;
  shardCount: number;
  /** The lease rows live here (ownership of record, and the fallback while Redis is unreachable). */
  databaseUrl: string;
}
