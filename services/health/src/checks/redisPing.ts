import { once } from 'node:events';
import type { Redis } from 'ioredis';
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
