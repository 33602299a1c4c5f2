import { createRequire } from 'node:module';
import type * as Ioredis from 'ioredis';
import type { Redis } from 'ioredis';
import { readCaFile, systemClock, withTimeout, type Clock } from '@sketchyaf/core';
import { redisTlsOptions } from './redisTls.ts';

export interface LeaseRedisClientOptions {
  connectTimeoutMs: number;
  /** Every command fails after this long instead of waiting for a hung node. */
  commandTimeoutMs: number;
  /** CLIENT SETNAME, so `CLIENT LIST` shows who is connected. */
  connectionName: string;
  /** Called on connection errors (ioredis emits one per failed reconnect). */
  onError: (err: Error) => void;
  /** A PEM bundle of the private CA that signed `rediss://` nodes' certificates (REDIS_CA_FILE). */
  caFile?: string | null;
}

const requireModule = createRequire(import.meta.url);
const loadIoredis = (): typeof Ioredis => requireModule('ioredis') as typeof Ioredis;

/**
 * An ioredis client fit for lock operations: no offline queue and no
 * per-request retries (with the defaults a command during an outage waits
 * for reconnection for tens of seconds), a command timeout (a paused node
 * must vote "no" in time), and reconnection in the background.
 */
export function createLeaseRedisClient(url: string, options: LeaseRedisClientOptions): Redis {
  // Loaded on first use: a replica without REDIS_URL (one timer monitor, one relay) never
  // needs ioredis (about 5 MiB of the timer monitor's RSS).
  const { Redis: RedisClient } = loadIoredis();
  const ca = options.caFile ? readCaFile(options.caFile, 'Redis') : undefined;
  const tls = redisTlsOptions(url, ca);
  const client = new RedisClient(url, {
    ...(tls ? { tls } : {}),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    connectionName: options.connectionName,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
  client.on('error', (err: Error) => {
    options.onError(err);
  });
  return client;
}

/**
 * Resolves once `needed` clients are ready or `timeoutMs` has passed,
 * whichever comes first; never rejects (an unreachable Redis is reported by
 * the lease rounds, not by start-up).
 */
export function waitForReady(
  clients: readonly Redis[],
  needed: number,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  return new Promise((resolve) => {
    let ready = clients.filter((c) => c.status === 'ready').length;
    if (ready >= needed) {
      resolve();
      return;
    }
    const cleanups: (() => void)[] = [];
    const finish = (): void => {
      for (const cleanup of cleanups) cleanup();
      resolve();
    };
    const timer = clock.setTimeout(finish, timeoutMs);
    cleanups.push(() => clock.clearTimeout(timer));
    for (const client of clients) {
      if (client.status === 'ready') continue;
      const onReady = (): void => {
        ready += 1;
        if (ready >= needed) finish();
      };
      client.once('ready', onReady);
      cleanups.push(() => client.off('ready', onReady));
    }
  });
}

/** Closes clients: QUIT when connected (bounded), disconnect otherwise. */
export async function closeClients(
  clients: readonly Redis[],
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      if (client.status === 'ready') {
        await withTimeout(timeoutMs, () => client.quit(), { clock }).catch(() => undefined);
      }
      client.disconnect();
    }),
  );
}
