import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { systemClock, type Clock } from '../clock.ts';

export interface HttpServerHandle {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, then cuts the rest. */
  stop(graceMs?: number): Promise<void>;
}

export async function startHttpServer(
  listener: RequestListener,
  options: { host: string; port: number; clock?: Clock },
): Promise<HttpServerHandle> {
  const server = createServer(listener);
  // Longer than typical load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let stopping: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://${shownHost}:${port}`,
    stop(graceMs = 5000) {
      stopping ??= new Promise<void>((resolve) => {
        const clock = options.clock ?? systemClock;
        const force = clock.setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref?.();
        server.close(() => {
          clock.clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return stopping;
    },
  };
}
