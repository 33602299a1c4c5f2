// Acceptance 3 of issue 13: every service, started as a real process while
// PostgreSQL refuses connections, serves its probes and says why it is not
// ready, never exits, and is ready within 5 s of the database coming back.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, waitFor } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { dedicatedPostgresUnderTest, type ServerUnderTest } from './servers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const token = 'start-token-0123456789abcdef';
/** How long the database refuses while the services run: the acceptance's 10 s. */
const refusedMs = 10_000;
const readyBoundMs = 5000;

type ServiceName = 'timer-monitor' | 'broadcaster' | 'health';

interface ServiceProcess {
  label: string;
  child: ChildProcess;
  url: string;
  output(): string;
}

function spawnService(label: string, name: ServiceName, env: Record<string, string>): ServiceProcess {
  const { child, output } = spawnNode([`${root}services/${name}/src/main.ts`], { env });
  return { label, child, url: `http://127.0.0.1:${env['PORT'] ?? ''}`, output };
}

function exited(p: ServiceProcess): boolean {
  return p.child.exitCode !== null || p.child.signalCode !== null;
}

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // /metrics is text
  }
  return { status: res.status, body };
}

interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function readiness(p: ServiceProcess): Promise<{ status: number; report: Readiness }> {
  const { status, body } = await get(`${p.url}/readyz`);
  return { status, report: body as Readiness };
}

async function postEvent(url: string): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'user_notification',
      userId: 'alice',
      data: { kind: 'friend_invite', title: 'Hi' },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - t0 };
}

async function postgresLevel(health: ServiceProcess): Promise<string | undefined> {
  const { body } = await get(`${health.url}/api/health`);
  return (body as { components?: { postgres?: { level?: string } } }).components?.postgres?.level;
}

describe('services started while PostgreSQL refuses connections', function () {
  this.timeout(180_000);
  let postgres: ServerUnderTest | undefined;
  let pubnub: PubnubLocalHandle | undefined;
  const processes: ServiceProcess[] = [];

  before(async () => {
    postgres = await dedicatedPostgresUnderTest();
    // The migration runner ends its connection without waiting for it: stopping the server under it
    // at once would fail that connection in this process.
    await sleep(1000);
    await postgres.stop();
    pubnub = await startPubnubLocal({ port: 0 });
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of processes) console.log(`--- ${p.label} pid ${p.child.pid ?? '?'}:\n${p.output()}`);
  });

  after(async () => {
    for (const p of processes) if (!exited(p)) p.child.kill('SIGKILL');
    await pubnub?.stop();
    await postgres?.dispose();
  });

  function baseEnv(databaseUrl: string, port: number): Record<string, string> {
    assert.ok(pubnub);
    return {
      APP_ENV: 'staging',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      PUBNUB_ORIGIN: pubnub.url,
      PUBNUB_PUBLISH_KEY: 'pub-c-local',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-local',
      BROADCAST_API_TOKENS: token,
      RELAY_POLL_INTERVAL_MS: '500',
    };
  }

  it('alive and not ready (with the cause) for 10 s, ready within 5 s of the return, never exits', async () => {
    assert.ok(postgres && pubnub);
    const [tmPort, bcPort, hPort, redisPort, tmrPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const timerMonitor = spawnService('timer-monitor', 'timer-monitor', baseEnv(postgres.url, tmPort));
    const broadcaster = spawnService('broadcaster', 'broadcaster', baseEnv(postgres.url, bcPort));
    const health = spawnService('health', 'health', {
      ...baseEnv(postgres.url, hPort),
      BROADCASTER_URLS: broadcaster.url,
      TIMER_MONITOR_URLS: timerMonitor.url,
      CANARY_API_TOKEN: token,
      CHECK_INTERVAL_MS: '500',
      CANARY_INTERVAL_MS: '1000',
    });
    // Redis refusing as well (nothing listens on that port): the start must not exit on it either.
    const withoutRedis = spawnService('timer-monitor (Redis refusing too)', 'timer-monitor', {
      ...baseEnv(postgres.url, tmrPort),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LEASE_TTL_MS: '2000',
    });
    const all = [timerMonitor, broadcaster, health, withoutRedis];
    const gated = [timerMonitor, broadcaster, withoutRedis];
    processes.push(...all);
    const spawnedAt = performance.now();

    const servingMs = await Promise.all(
      all.map((p) =>
        waitFor(
          `${p.label} serving /livez`,
          async () => {
            assert.ok(!exited(p), `${p.label} exited (${String(p.child.exitCode)})`);
            return (await get(`${p.url}/livez`)).status === 200 ? performance.now() - spawnedAt : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 50 },
        ),
      ),
    );

    // Refused for 10 s from the moment every service serves: probe all the while.
    const refusedUntil = performance.now() + refusedMs;
    let rounds = 0;
    let max503Ms = 0;
    const healthReady: number[] = [];
    while (performance.now() < refusedUntil) {
      rounds += 1;
      for (const p of all) {
        assert.ok(!exited(p), `${p.label} exited (${String(p.child.exitCode)}) while the database refused`);
        assert.equal((await get(`${p.url}/livez`)).status, 200, `${p.label} /livez`);
        assert.equal((await get(`${p.url}/metrics`)).status, 200, `${p.label} /metrics`);
      }
      for (const p of gated) {
        const { status, report } = await readiness(p);
        assert.equal(status, 503, `${p.label} /readyz while refused: ${JSON.stringify(report)}`);
        assert.equal(report.checks['database']?.detail, 'connection (ECONNREFUSED)', JSON.stringify(report));
        assert.match(
          report.checks['start']?.detail ?? '',
          /^waiting for database: connection \(ECONNREFUSED\), \d+ attempts? in \d+\.\d s$/,
        );
      }
      const ingest = await postEvent(broadcaster.url);
      assert.equal(ingest.status, 503, 'ingest while starting');
      assert.equal(ingest.retryAfter, '1');
      max503Ms = Math.max(max503Ms, ingest.ms);
      assert.equal(await postgresLevel(health), 'down', 'health reports the database down');
      healthReady.push((await get(`${health.url}/readyz`)).status);
      await sleep(250);
    }
    const waiting = await readiness(timerMonitor);

    await postgres.start();
    const backAt = performance.now();
    const readyAfterMs = await Promise.all(
      [timerMonitor, broadcaster].map((p) =>
        waitFor(
          `${p.label} ready`,
          async () => ((await readiness(p)).status === 200 ? performance.now() - backAt : undefined),
          { timeoutMs: 30_000, intervalMs: 50 },
        ),
      ),
    );
    const startedWithoutRedisMs = await waitFor(
      'the timer monitor without Redis past its start',
      async () =>
        (await readiness(withoutRedis)).report.checks['start']?.ok === true
          ? performance.now() - backAt
          : undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const withoutRedisReport = (await readiness(withoutRedis)).report;
    const healthSeesItMs = await waitFor(
      'health reports the database up',
      async () => ((await postgresLevel(health)) === 'up' ? performance.now() - backAt : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const accepted = await postEvent(broadcaster.url);

    const [tmReady = NaN, bcReady = NaN] = readyAfterMs;
    console.log(
      `    serving /livez after spawn: ${servingMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} (timer monitor, broadcaster, health, timer monitor without Redis)`,
    );
    console.log(
      `    refused for ${refusedMs / 1000} s: ${rounds} probe rounds, /livez 200 and /readyz 503 throughout; ingest 503 + Retry-After: 1 in at most ${max503Ms.toFixed(0)} ms`,
    );
    console.log(`    timer monitor /readyz while refused: ${JSON.stringify(waiting.report.checks)}`);
    console.log(
      `    ready after the database came back: timer monitor ${tmReady.toFixed(0)} ms, broadcaster ${bcReady.toFixed(0)} ms (bound ${readyBoundMs} ms)`,
    );
    console.log(
      `    health: /readyz 200 in ${healthReady.filter((c) => c === 200).length} of ${healthReady.length} rounds while refused (it reports the outage); database shown up ${healthSeesItMs.toFixed(0)} ms after the return`,
    );
    console.log(
      `    timer monitor with Redis refusing too: start done ${startedWithoutRedisMs.toFixed(0)} ms after the return; /readyz ${JSON.stringify(withoutRedisReport.checks['leases'])}`,
    );
    console.log(`    first ingest after the return: ${accepted.status}`);

    for (const [i, ms] of readyAfterMs.entries())
      assert.ok(ms <= readyBoundMs, `${gated[i]?.label ?? '?'} ready ${ms} ms after the database returned`);
    assert.ok(
      healthSeesItMs <= readyBoundMs,
      `health saw the database ${healthSeesItMs} ms after its return`,
    );
    assert.ok(
      startedWithoutRedisMs <= readyBoundMs + 5000,
      'the lease start waits at most its bound for Redis',
    );
    assert.ok(max503Ms < 3000, `ingest answered 503 in ${max503Ms} ms`);
    assert.ok(
      accepted.status === 201 || accepted.status === 202,
      `ingest after the return: ${accepted.status}`,
    );
    // Health is ready once it has a report to serve, whatever that report says: its status page is
    // what on-call reads during the outage.
    assert.deepEqual(healthReady.slice(-10), Array<number>(10).fill(200), 'health /readyz while refused');
    for (const p of all) assert.ok(!exited(p), `${p.label} exited`);
  });

  it('SIGTERM while waiting for the database: prompt exit 0, nothing left behind', async () => {
    const closed = await freePort();
    const url = `postgres://postgres@127.0.0.1:${closed}/sketchyaf`;
    const waiting = await Promise.all(
      (['timer-monitor', 'broadcaster'] as const).map(async (name) => {
        const p = spawnService(`${name} (stopped while waiting)`, name, baseEnv(url, await freePort()));
        processes.push(p);
        return p;
      }),
    );
    await Promise.all(
      waiting.map((p) =>
        waitFor(
          `${p.label} waiting`,
          async () =>
            ((await readiness(p)).report.checks['start']?.detail ?? '').startsWith('waiting for database') ||
            undefined,
          {
            timeoutMs: 30_000,
            intervalMs: 50,
          },
        ),
      ),
    );
    await sleep(2000);
    const stops = await Promise.all(
      waiting.map(async (p) => {
        const t0 = performance.now();
        const exit = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
        p.child.kill('SIGTERM');
        const code = await exit;
        return { label: p.label, code, ms: performance.now() - t0 };
      }),
    );
    console.log(
      `    SIGTERM while waiting: ${stops.map((s) => `${s.label} exit ${String(s.code)} in ${s.ms.toFixed(0)} ms`).join('; ')}`,
    );
    for (const s of stops) {
      assert.equal(s.code, 0, `${s.label} exit code`);
      assert.ok(s.ms < 2000, `${s.label} took ${s.ms} ms to stop`);
    }
  });
});
