import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@sketchyaf/core';

/** ioredis turns on TLS for `rediss://` itself, but only with node's public roots: a private CA is passed here. */
export function redisTlsOptions(url: string, ca: string | undefined): ConnectionOptions | undefined {
  if (ca === undefined || !url.startsWith('rediss://')) return undefined;
  // ioredis hands these to tls.connect, which checks the certificate against the URL's host.
  return { ca };
}

/** REDIS_CA_FILE only means something for `rediss://` nodes; a CA without one is a mistake worth stopping for. */
export function redisCaFileOf(
  urls: readonly string[] | undefined,
  caFile: string | undefined,
): string | null {
  if (caFile === undefined) return null;
  if (!(urls ?? []).some((url) => url.startsWith('rediss://')))
    throw new ConfigError(['REDIS_CA_FILE: set, but no REDIS_URL node uses rediss:// (TLS)']);
  return caFile;
}
