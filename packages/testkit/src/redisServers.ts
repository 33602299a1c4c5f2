import { freePort, startRedisServer, type RedisServer } from '@sketchyaf/local-servers';

/**
 * Throwaway redis-server processes on free loopback ports, for tests. Fails
 * (never skips) with the install command when redis-server is missing.
 * Stop them in an after() hook: `await Promise.all(servers.map((s) => s.stop()))`.
 */
export async function startTestRedisServers(count: number): Promise<RedisServer[]> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < count; i += 1) servers.push(await startOnFreePort());
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}

/** One server on a free port; retries when another process took the port first. */
export async function startTestRedisServer(port?: number): Promise<RedisServer> {
  return port === undefined ? startOnFreePort() : startRedisServer({ port });
}

async function startOnFreePort(): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startRedisServer({ port: await freePort() });
    } catch (err) {
      if (err instanceof Error && err.message.includes('not installed')) throw err;
      lastError = err;
    }
  }
  throw lastError;
}
