// The Kubernetes API (the RealtimeControl source) down when a service starts:
// the start neither fails nor waits past the control agent's 10 s; the
// service starts with the defaults and says so (/control, control_source_up).
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { loadBroadcasterConfig, startBroadcaster } from '@sketchyaf/broadcaster';
import { createSilentLogger } from '@sketchyaf/core';
import { type ControlAcknowledgement } from '@sketchyaf/control';
import { launchHealth, loadHealthConfig } from '@sketchyaf/health';
import {
  createTestDatabase,
  freePort,
  kubeconfigYamlFor,
  waitFor,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { loadTimerMonitorConfig, startTimerMonitor } from '@sketchyaf/timer-monitor';
import type { ServiceHandle } from '@sketchyaf/core';

const namespace = 'sketchyaf-realtime';

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigYamlFor(server, namespace));
  return kubeConfig;
}

/** Accepts connections and never answers: an API server behind a partition. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function acknowledgement(url: string): Promise<ControlAcknowledgement> {
  return (await (await fetch(`${url}/control`)).json()) as ControlAcknowledgement;
}

describe('services started while the Kubernetes API (runtime control) is down', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  const services: ServiceHandle[] = [];

  before(async () => {
    db = await createTestDatabase();
    pubnub = await startPubnubLocal({ port: 0 });
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop()));
  });
  after(async () => {
    await pubnub.stop();
    await db.drop();
  });

  async function startBoth(
    kubeConfig: KubeConfig,
  ): Promise<{ timerMs: number; broadcasterMs: number; urls: string[] }> {
    const env = {
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      CONTROL_RESOURCE: 'sketchyaf-realtime',
    };
    const timed = async <T extends ServiceHandle & { url: string }>(
      start: () => Promise<T>,
    ): Promise<[number, T]> => {
      const t0 = performance.now();
      const service = await start();
      services.push(service);
      return [performance.now() - t0, service];
    };
    const [[timerMs, timers], [broadcasterMs, broadcaster]] = await Promise.all([
      timed(() =>
        startTimerMonitor(loadTimerMonitorConfig(env), {
          logger: createSilentLogger('timer-monitor'),
          kubeConfig,
        }),
      ),
      timed(() =>
        startBroadcaster(
          loadBroadcasterConfig({
            ...env,
            PUBNUB_ORIGIN: pubnub.url,
            BROADCAST_API_TOKENS: 'control-down-token-0123456789',
          }),
          { logger: createSilentLogger('broadcaster'), kubeConfig },
        ),
      ),
    ]);
    return { timerMs, broadcasterMs, urls: [timers.url, broadcaster.url] };
  }

  it('refusing: both start at once with the defaults, the source marked down', async () => {
    const { timerMs, broadcasterMs, urls } = await startBoth(
      kubeConfigFor(`http://127.0.0.1:${await freePort()}`),
    );
    console.log(
      `    API refusing: started in ${timerMs.toFixed(0)} ms (timer monitor), ${broadcasterMs.toFixed(0)} ms (broadcaster)`,
    );
    assert.ok(timerMs < 5000 && broadcasterMs < 5000, 'a refused list fails fast: no wait for the 10 s');
    for (const url of urls) {
      const ack = await acknowledgement(url);
      assert.equal(ack.applied?.generation, 0, 'the defaults are in force');
      assert.equal(ack.source.kind, 'kubernetes');
      assert.match(ack.source.error ?? '', /ECONNREFUSED/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /^sketchyaf_realtime_control_source_up\{[^}]*\} 0$/m);
      // Ready once its LISTEN connection, opened when the database answered, is up too.
      await waitFor(
        'ready: the defaults mean available',
        async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
        { timeoutMs: 5000, intervalMs: 50 },
      );
    }
  });

  it('health serves at once whatever the API does: its control report waits, its checks do not', async () => {
    const api = await silentServer();
    try {
      const t0 = performance.now();
      const health = await launchHealth(
        loadHealthConfig({
          DATABASE_URL: db.url,
          PUBNUB_ORIGIN: pubnub.url,
          PORT: '0',
          LOG_LEVEL: 'silent',
          CANARY_ENABLED: 'false',
          CHECK_INTERVAL_MS: '200',
          CONTROL_RESOURCE: 'sketchyaf-realtime',
        }),
        {
          logger: createSilentLogger('health'),
          kubernetes: { kubeConfig: kubeConfigFor(api.url), namespace },
        },
      );
      services.push(health);
      const servingMs = performance.now() - t0;
      let readyMs = 0;
      for (let i = 0; i < 100 && readyMs === 0; i += 1) {
        if ((await fetch(`${health.url}/readyz`)).status === 200) readyMs = performance.now() - t0;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      console.log(
        `    health with the API silent: serving in ${servingMs.toFixed(0)} ms, ready in ${readyMs.toFixed(0)} ms`,
      );
      assert.ok(servingMs < 5000, `serving after ${servingMs} ms`);
      assert.ok(readyMs > 0 && readyMs < 5000, `ready after ${readyMs} ms`);
    } finally {
      await api.close();
    }
  });

  it('silent (accepts, never answers): both start after the 10 s bound with the defaults', async () => {
    const api = await silentServer();
    try {
      const { timerMs, broadcasterMs, urls } = await startBoth(kubeConfigFor(api.url));
      console.log(
        `    API silent: started in ${timerMs.toFixed(0)} ms (timer monitor), ${broadcasterMs.toFixed(0)} ms (broadcaster); bound 10 s`,
      );
      for (const ms of [timerMs, broadcasterMs]) assert.ok(ms >= 9500 && ms < 13_000, `started in ${ms} ms`);
      for (const url of urls) {
        const ack = await acknowledgement(url);
        assert.equal(ack.applied?.generation, 0, 'the defaults are in force');
        assert.equal(ack.source.synced, false);
      }
    } finally {
      await api.close();
    }
  });
});
