import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { trackResource } from '../lifecycle/liveResources.ts';
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
  options: {
    host: string;
    port: number;
    /** The server failed after it was listening (it no longer accepts connections): the service cannot work. */
    onError?: (err: Error) => void;
    clock?: Clock;
  },
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
  // Given to the service, which stops and says why; without onError such an error still crashes the process.
  const { onError } = options;
  if (onError)
    server.on('error', (err) => onError(new Error(`the HTTP server failed: ${err.message}`, { cause: err })));
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let stopping: Promise<void> | undefined;
  const url = `http://${shownHost}:${port}`;
  trackResource('http server', url, () => server.listening);
  return {
    server,
    port,
    url,
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
