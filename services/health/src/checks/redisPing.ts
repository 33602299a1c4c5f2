import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { errorFields, type Logger } from '@sketchyaf/core';
import { createLeaseRedisClient } from '@sketchyaf/leases';
import type { ProbeOutcome } from '../status/types.ts';
import { timedProbe } from './probe.ts';

/**
 * One long-lived client per Redis node, reconnecting in the background;
 * each check is a PING with a timeout (no offline queue, so a down node
 * answers at once with an error rather than after reconnecting).
 */
export class RedisPinger {
  readonly #nodes: { url: string; client: Redis }[];
  readonly #timeoutMs: number;

  constructor(
    urls: readonly string[],
    timeoutMs: number,
    onError: (url: string, err: Error) => void,
    caFile: string | null = null,
  ) {
    this.#timeoutMs = timeoutMs;
    this.#nodes = urls.map((url) => ({
      url,
      client: createLeaseRedisClient(url, {
        connectTimeoutMs: timeoutMs,
        commandTimeoutMs: timeoutMs,
        connectionName: 'sketchyaf-health',
        caFile,
        onError: (err) => {
          onError(url, err);
        },
      }),
    }));
  }

  ping(): Promise<{ url: string; outcome: ProbeOutcome }[]> {
    return Promise.all(
      this.#nodes.map(async ({ url, client }) => ({
        url,
        outcome: await timedProbe(this.#timeoutMs, async () => {
          // The first connection still under way (start-up) is not an outage: wait for it, within the timeout.
          if (client.status === 'connecting' || client.status === 'connect')
            await once(client, 'ready', { signal: AbortSignal.timeout(this.#timeoutMs) });
          if (client.status !== 'ready') throw new Error(`not connected (${client.status})`);
          return await client.ping();
        }),
      })),
    );
  }

  close(): void {
    for (const { client } of this.#nodes) client.disconnect();
  }
}

/**
 * The pinger for REDIS_URLS (null when unset). Connection errors go to the
 * debug log only, with the node's credentials cut out of its URL: the checks
 * report a node that is down; the log would only repeat it every reconnect.
 */
export function redisPingerFor(
  config: { redisUrls: readonly string[] | null; checkTimeoutMs: number; redisCaFile: string | null },
  logger: Logger,
): RedisPinger | null {
  if (!config.redisUrls) return null;
  return new RedisPinger(
    config.redisUrls,
    config.checkTimeoutMs,
    (url, err) => {
      logger.debug('redis connection error', {
        node: url.replace(/\/\/[^@]*@/, '//'),
        ...errorFields(err),
      });
    },
    config.redisCaFile,
  );
}
