import type { Registry } from 'prom-client';
import type { Clock } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import type { LeaseSettings } from './leaseConfig.ts';
import { ShardLeases } from './shardLeases.ts';

/** A service's shard leases from its settings; null without REDIS_URL (the replica owns every shard). */
export function leasesFor(
  settings: LeaseSettings,
  deps: { logger: Logger; registry: Registry; clock: Clock },
): ShardLeases | null {
  if (!settings.redisUrls) return null;
  return new ShardLeases({
    prefix: settings.leasePrefix,
    shardCount: settings.shardCount,
    ttlMs: settings.leaseTtlMs,
    redis: { urls: settings.redisUrls, caFile: settings.redisCaFile ?? null },
    postgres: { url: settings.databaseUrl },
    ...deps,
  });
}
