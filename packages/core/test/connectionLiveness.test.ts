import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  startTcpProxy,
  waitFor,
  type TcpProxy,
  type TestDatabase,
} from '@sketchyaf/testkit';
import {
  classifyDatabaseError,
  createPool,
  createSilentLogger,
  NotificationListener,
  type Pool,
} from '../src/index.ts';

/** Timeouts and liveness of connections to a database that stops answering (a blackholing proxy in between). */
describe('database connections to a server that stops answering', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let proxy: TcpProxy;
  let proxiedUrl: string;
  const logger = createSilentLogger();

  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
    const proxied = new URL(db.url);
    proxied.port = String(proxy.port);
    proxiedUrl = proxied.toString();
  });
  afterEach(async () => {
    await proxy.setMode('forward');
  });
  after(async () => {
    await proxy.close();
    await db.drop();
  });

  it('a pooled query gives up after statement timeout + margin; a new connection after the connect timeout', async () => {
    const pool: Pool = createPool({
      connectionString: proxiedUrl,
      applicationName: 'liveness-test',
      max: 2,
      statementTimeoutMs: 500,
      queryTimeoutMarginMs: 300,
      connectionTimeoutMs: 400,
      logger,
    });
    try {
      await pool.query('SELECT 1');
      await proxy.setMode('blackhole');
      let started = performance.now();
      const hung = await pool.query('SELECT 1').catch((e: unknown) => e);
      const queryMs = performance.now() - started;
      const queryClass = classifyDatabaseError(hung);
      assert.equal(queryClass.kind, 'timeout');
      assert.equal(queryClass.mayHaveCommitted, true, 'sent, then silence: the outcome is unknown');
      assert.ok(
        queryMs >= 700 && queryMs < 3000,
        `query gave up after ${Math.round(queryMs)} ms (800 expected)`,
      );

      started = performance.now();
      const connecting = await pool.query('SELECT 1').catch((e: unknown) => e);
      const connectMs = performance.now() - started;
      const connectClass = classifyDatabaseError(connecting);
      assert.equal(connectClass.kind, 'timeout');
      assert.equal(connectClass.mayHaveCommitted, false, 'never connected: nothing was sent');
      assert.ok(connectMs >= 300 && connectMs < 3000, `connect gave up after ${Math.round(connectMs)} ms`);
      console.log(
        `    blackholed: query failed after ${Math.round(queryMs)} ms (bound 800), connect after ${Math.round(connectMs)} ms (bound 400)`,
      );

      await proxy.setMode('forward');
      await waitFor(
        'the pool to work again',
        async () => (await pool.query('SELECT 1')).rowCount ?? undefined,
        {
          timeoutMs: 5000,
        },
      );
    } finally {
      await pool.end();
    }
  });

  it('the LISTEN heartbeat reports a silent connection down within two heartbeats, and reconnects', async () => {
    const events: { what: 'connected' | 'disconnected'; at: number }[] = [];
    const received: string[] = [];
    const listener = new NotificationListener({
      connectionString: proxiedUrl,
      channel: 'liveness_test',
      applicationName: 'liveness-listener',
      logger,
      heartbeatMs: 300,
      connectTimeoutMs: 500,
      onNotification: (payload) => received.push(payload ?? ''),
      onConnected: () => events.push({ what: 'connected', at: performance.now() }),
      onDisconnected: () => events.push({ what: 'disconnected', at: performance.now() }),
    });
    const pool = createPool({ connectionString: db.url, applicationName: 'notifier', max: 1, logger });
    try {
      listener.start();
      await waitFor('connected', () => (listener.connected ? true : undefined));
      // The window is the test: over two heartbeats answered, and no false alarm.
      await sleep(700);
      assert.equal(listener.connected, true, 'heartbeats answered: still connected');

      await proxy.setMode('blackhole');
      const blackholedAt = performance.now();
      await waitFor('reported down', () => (listener.connected ? undefined : true), { timeoutMs: 5000 });
      const downMs = performance.now() - blackholedAt;
      assert.ok(downMs <= 600 + 500, `down after ${Math.round(downMs)} ms (two heartbeats: 600)`);

      await proxy.setMode('forward');
      const forwardAt = performance.now();
      await waitFor('reconnected', () => (listener.connected ? true : undefined), { timeoutMs: 5000 });
      const upMs = performance.now() - forwardAt;
      console.log(
        `    LISTEN reported down ${Math.round(downMs)} ms after the blackhole, up ${Math.round(upMs)} ms after it ended`,
      );

      await pool.query(`SELECT pg_notify('liveness_test', 'after')`);
      await waitFor('the notification on the new connection', () =>
        received.includes('after') ? true : undefined,
      );
      assert.deepEqual(
        events.map((e) => e.what),
        ['connected', 'disconnected', 'connected'],
      );
    } finally {
      await listener.stop();
      await pool.end();
    }
  });
});
