import net from 'node:net';

/**
 * `forward`: bytes flow both ways. `refuse`: nothing listens and open
 * connections are reset (a server restarting, a failover: ECONNREFUSED).
 * `blackhole`: connections stay open and new ones are accepted, but no byte
 * goes through either way (a partition, or a dead server behind a load
 * balancer): the client sees silence, never an error.
 * `cut-responses`: requests reach the server, but the connection is reset
 * when the server's first answer byte arrives, which is dropped: the server did
 * the work, the client sees a reset and cannot know (what a retry must survive).
 */
export type TcpProxyMode = 'forward' | 'refuse' | 'blackhole' | 'cut-responses';

export interface TcpProxy {
  /** `127.0.0.1:<port>`, the proxy's listening address. */
  readonly host: string;
  readonly port: number;
  readonly mode: TcpProxyMode;
  /** Connections open now (client side). */
  readonly connections: number;
  /** Switches mode; resolves once the new mode is in force (listening again, or stopped). */
  setMode(mode: TcpProxyMode): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Bytes were dropped in a blackhole, so the stream is corrupt: reset when forwarding resumes. */
  damaged: boolean;
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A loopback TCP proxy to `target` for fault tests: the database or Redis a
 * service under test sees through it can be refused or blackholed at will,
 * while the real server keeps running.
 */
export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  let mode: TcpProxyMode = 'forward';
  const pairs = new Set<Pair>();

  const onConnection = (client: net.Socket): void => {
    // Half-open allowed on both sides: a FIN goes through only when forwarding, as in a partition.
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const pair: Pair = { client, upstream, damaged: false };
    pairs.add(pair);
    // Whether bytes (or a FIN) from this side go through in the current mode.
    const passes = (from: 'client' | 'upstream'): boolean =>
      !pair.damaged && (mode === 'forward' || (mode === 'cut-responses' && from === 'client'));
    const relay = (to: net.Socket) => (chunk: Buffer) => {
      const from = to === upstream ? 'client' : 'upstream';
      if (from === 'upstream' && mode === 'cut-responses') {
        pairs.delete(pair);
        client.resetAndDestroy();
        upstream.destroy();
      } else if (passes(from)) to.write(chunk);
      else pair.damaged = true;
    };
    client.on('data', relay(upstream));
    upstream.on('data', relay(client));
    const relayEnd = (to: net.Socket) => () => {
      if (passes(to === upstream ? 'client' : 'upstream')) to.end();
      else pair.damaged = true;
    };
    client.on('end', relayEnd(upstream));
    upstream.on('end', relayEnd(client));
    // One side gone: the other goes too, unless blackholed (a partition carries no FIN either).
    const closeOther = (other: net.Socket) => () => {
      if (mode !== 'blackhole') other.destroy();
    };
    client.on('close', closeOther(upstream));
    upstream.on('close', closeOther(client));
    client.on('close', () => {
      if (upstream.destroyed) pairs.delete(pair);
    });
    upstream.on('close', () => {
      if (client.destroyed) pairs.delete(pair);
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  };

  let server = net.createServer({ allowHalfOpen: true }, onConnection);
  await listen(server, port);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  const boundPort = address.port;

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => {
        resolve();
      });
    });

  const resetAll = (which: (pair: Pair) => boolean): void => {
    for (const pair of [...pairs]) {
      if (!which(pair)) continue;
      pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
  };

  return {
    host: '127.0.0.1',
    port: boundPort,
    get mode() {
      return mode;
    },
    get connections() {
      return pairs.size;
    },
    async setMode(next) {
      const previous = mode;
      mode = next;
      if (next === 'refuse') {
        const closed = stopListening();
        resetAll(() => true);
        await closed;
        return;
      }
      if (previous === 'blackhole' && next === 'forward') {
        // Bytes were dropped on these, or a close was held back: after a partition heals, the peers see a reset.
        resetAll((pair) => pair.damaged || pair.client.destroyed || pair.upstream.destroyed);
      }
      if (!server.listening) {
        server = net.createServer({ allowHalfOpen: true }, onConnection);
        await listen(server, boundPort);
      }
    },
    async close() {
      mode = 'refuse';
      const closed = stopListening();
      resetAll(() => true);
      await closed;
    },
  };
}
