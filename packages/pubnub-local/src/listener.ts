import http, { type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from './logger.ts';

/**
 * The TCP side of the server, able to go away and come back on the same
 * port: that is how an outage looks to clients (connections reset, new ones
 * refused), which is closer to a real network failure than a 503.
 */
export interface Listener {
  readonly port: number;
  isListening(): boolean;
  /**
   * Stops accepting at once and resets every open connection except `keep`
   * (the admin request that asked for the outage, so it still gets its
   * answer). `closed` settles when the port and the kept socket are closed.
   */
  suspend(keep?: Socket): { reset: number; closed: Promise<void> };
  /** Listens again on the same port, retrying while something else holds it, until `signal` aborts. */
  resume(signal: AbortSignal): Promise<void>;
  /** Final close: destroys every connection, long-polls and keep-alives included. */
  close(): Promise<void>;
}

const REBIND_RETRY_MS = 100;

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
}

export async function openListener(
  handler: RequestListener,
  host: string,
  port: number,
  logger: Logger,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  function createServer(): Server {
    const created = http.createServer(handler);
    created.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    created.on('clientError', (error, socket) => {
      if (socket.writable && !socket.destroyed) {
        const body = JSON.stringify({
          status: 400,
          error: true,
          message: 'Bad Request',
          service: 'pubnub-local',
        });
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else {
        socket.destroy();
      }
      logger.warn('pubnub-local: malformed HTTP request', { error: error.message });
    });
    return created;
  }

  function listen(target: Server, onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      target.once('error', reject);
      target.listen(onPort, host, () => {
        target.off('error', reject);
        target.on('error', (error) => {
          logger.error('pubnub-local: server error', { error: error.message });
        });
        resolve();
      });
    });
  }

  function stopServer(keep?: Socket, reset = true): { reset: number; closed: Promise<void> } {
    const current = server;
    server = undefined;
    let count = 0;
    for (const socket of [...sockets]) {
      if (socket === keep) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
      count++;
    }
    const closed = current
      ? new Promise<void>((resolve) =>
          current.close(() => {
            resolve();
          }),
        )
      : Promise.resolve();
    return { reset: count, closed };
  }

  const first = createServer();
  await listen(first, port);
  server = first;
  const address = first.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;

  return {
    port: boundPort,
    isListening: () => server !== undefined,
    suspend: (keep) => stopServer(keep),

    async resume(signal) {
      let warned = false;
      while (server === undefined && !signal.aborted) {
        const next = createServer();
        try {
          await listen(next, boundPort);
          if (signal.aborted) {
            next.close();
            return;
          }
          server = next;
        } catch (error) {
          if (!isAddressInUse(error)) throw error;
          if (!warned)
            logger.warn('pubnub-local: port taken while reopening after an outage; retrying', {
              port: boundPort,
            });
          warned = true;
          await new Promise((resolve) => setTimeout(resolve, REBIND_RETRY_MS));
        }
      }
    },

    async close() {
      await stopServer(undefined, false).closed;
    },
  };
}
