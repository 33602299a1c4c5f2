import { strict as assert } from 'node:assert';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy, type TcpProxy } from '../src/index.ts';

/** A connection to the proxy that records what came back and how it ended. */
class Probe {
  received = '';
  /** 'open', 'closed', or the error code that ended it. */
  ended = 'open';
  readonly socket: net.Socket;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString();
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.ended = err.code ?? err.message;
    });
    this.socket.on('close', () => {
      if (this.ended === 'open') this.ended = 'closed';
    });
  }

  async echo(text: string, waitMs = 2000): Promise<boolean> {
    const before = this.received.length;
    this.socket.write(text);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (this.received.slice(before).includes(text)) return true;
      await sleep(10);
    }
    return false;
  }
}

describe('tcp proxy (forward, refuse, blackhole, cut-responses)', () => {
  let echo: net.Server;
  let proxy: TcpProxy;
  const opened: net.Socket[] = [];
  /** Server-side sockets that received the client's FIN. */
  let finsSeen = 0;
  /** What the echo server received, all connections together. */
  let serverReceived = '';

  before(async () => {
    echo = net.createServer({ allowHalfOpen: true }, (socket) => {
      opened.push(socket);
      socket.on('end', () => {
        finsSeen += 1;
        socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        serverReceived += chunk.toString();
      });
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address() as net.AddressInfo;
    proxy = await startTcpProxy({ host: '127.0.0.1', port: address.port });
  });
  after(async () => {
    await proxy.close();
    for (const s of opened) s.destroy();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards both ways', async () => {
    const probe = new Probe(proxy.port);
    await probe.connected;
    assert.ok(await probe.echo('hello'));
    probe.socket.destroy();
  });

  it('refuse: resets open connections and refuses new ones; forward again: accepts', async () => {
    const open = new Probe(proxy.port);
    await open.connected;
    assert.ok(await open.echo('before'));
    await proxy.setMode('refuse');
    await sleep(100);
    assert.equal(open.ended, 'ECONNRESET');
    const refused = new Probe(proxy.port);
    await assert.rejects(refused.connected, { code: 'ECONNREFUSED' });
    await proxy.setMode('forward');
    const again = new Probe(proxy.port);
    await again.connected;
    assert.ok(await again.echo('after'));
    again.socket.destroy();
  });

  it('blackhole: open and new connections stay silent without closing; forward again resets them', async () => {
    const open = new Probe(proxy.port);
    await open.connected;
    assert.ok(await open.echo('before'));
    await proxy.setMode('blackhole');
    assert.equal(await open.echo('lost', 500), false, 'nothing comes back');
    const fresh = new Probe(proxy.port);
    await fresh.connected;
    assert.equal(await fresh.echo('lost too', 300), false);
    assert.equal(open.ended, 'open');
    assert.equal(fresh.ended, 'open');

    await proxy.setMode('forward');
    await sleep(100);
    assert.equal(open.ended, 'ECONNRESET', 'a stream that lost bytes is reset when the partition heals');
    assert.equal(fresh.ended, 'ECONNRESET');
    const again = new Probe(proxy.port);
    await again.connected;
    assert.ok(await again.echo('after'));
    again.socket.destroy();
  });

  it('blackhole: a connection that sent nothing meanwhile survives it', async () => {
    const idle = new Probe(proxy.port);
    await idle.connected;
    await proxy.setMode('blackhole');
    await sleep(100);
    await proxy.setMode('forward');
    assert.ok(await idle.echo('still here'));
    idle.socket.destroy();
  });

  it('passes a FIN on when forwarding, not while blackholed (a partition carries none)', async () => {
    const forwarded = new Probe(proxy.port);
    await forwarded.connected;
    assert.ok(await forwarded.echo('x'));
    const before = finsSeen;
    forwarded.socket.end();
    await sleep(200);
    assert.equal(finsSeen, before + 1);

    const held = new Probe(proxy.port);
    await held.connected;
    assert.ok(await held.echo('y'));
    await proxy.setMode('blackhole');
    held.socket.end();
    await sleep(300);
    assert.equal(finsSeen, before + 1, 'the server never hears of it');
    await proxy.setMode('forward');
  });

  it('cut-responses: the request reaches the server, its answer resets the connection; forward again: whole', async () => {
    await proxy.setMode('cut-responses');
    const cut = new Probe(proxy.port);
    await cut.connected;
    assert.equal(await cut.echo('request-1', 500), false, 'no answer byte reaches the client');
    assert.ok(serverReceived.includes('request-1'), 'the server got the request');
    assert.equal(cut.ended, 'ECONNRESET');
    await proxy.setMode('forward');
    const whole = new Probe(proxy.port);
    await whole.connected;
    assert.ok(await whole.echo('request-2'));
    whole.socket.destroy();
  });
});
