import { strict as assert } from 'node:assert';
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { TimerMonitorService } from '@sketchyaf/timer-monitor';
import type { HealthService } from '../src/index.ts';
import { dumpDom, screenshot } from '@sketchyaf/testkit';
import { deployment } from './fixtures.ts';
import { startFakeKubernetesApi, type FakeKubernetesApi } from './fakeKubernetesApi.ts';
import { getHealth, startTestBroadcaster, startTestHealth, startTestTimerMonitor } from './helpers.ts';

/** Gitignored (`.local/`): screenshots to look at, never committed. */
const screenshotDir = fileURLToPath(new URL('../../../.local/screenshots/health/', import.meta.url));

async function capture(url: string, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = `${screenshotDir}${name}.png`;
  await screenshot(url, file);
  assert.ok((await stat(file)).size > 10_000, `${file} looks empty`);
  await screenshot(url, `${screenshotDir}${name}-full.png`, 1280, 2600);
  console.log(`      screenshot: ${file} (whole page: ${screenshotDir}${name}-full.png)`);
  return file;
}

/** `data-*` attribute of the element carrying `marker`, from a DOM dump. */
function attributeNear(dom: string, marker: string, attribute: string): string | undefined {
  const at = dom.indexOf(marker);
  if (at < 0) return undefined;
  const tagStart = dom.lastIndexOf('<', at);
  const tag = dom.slice(tagStart, dom.indexOf('>', at) + 1);
  return new RegExp(`${attribute}="([^"]*)"`).exec(tag)?.[1];
}

describe('status page in headless Chromium', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let timers: TimerMonitorService;
  let api: FakeKubernetesApi;
  let health: HealthService;

  before(async () => {
    db = await createTestDatabase();
    pubnub = await startPubnubLocal();
    api = await startFakeKubernetesApi();
    api.answer = {
      deployments: [
        deployment('sketchyaf-realtime-broadcaster', { desired: 3 }),
        deployment('sketchyaf-realtime-relay', { desired: 2 }),
        deployment('sketchyaf-realtime-timer-monitor', { desired: 2 }),
        deployment('sketchyaf-realtime-health', { desired: 1 }),
      ],
    };
    timers = await startTestTimerMonitor(db.url);
    broadcaster = await startTestBroadcaster(db.url, pubnub);
    health = await startTestHealth(
      {
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        BROADCASTER_URLS: broadcaster.url,
        TIMER_MONITOR_URLS: timers.url,
        APP_ENV: 'staging',
        HOST: '127.0.0.1',
        PUBNUB_SUBSCRIBE_KEY: 'sub-c-local',
        CANARY_INTERVAL_MS: '500',
      },
      { kubernetes: { kubeConfig: api.kubeConfig(), namespace: 'sketchyaf-realtime' } },
    );
  });

  after(async () => {
    await health?.stop();
    await broadcaster?.stop();
    await timers?.stop();
    await pubnub?.stop();
    await api?.stop();
    await db?.drop();
  });

  it('shows every component green, the SLIs and the Deployments', async () => {
    await waitFor(
      'all green with canaries',
      async () => {
        const { body } = await getHealth(health.url);
        return body.status === 'ok' && body.canary.received >= 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const page = `${health.url}/`;
    await capture(page, 'status-ok');
    const dom = await dumpDom(page);
    assert.match(dom, /<title>\[OK\] SketchyAF Realtime status \(staging\)<\/title>/);
    assert.match(dom, /<meta http-equiv="refresh" content="5">/);
    assert.equal(attributeNear(dom, 'data-status=', 'data-status'), 'ok');
    assert.match(dom, /ALL SYSTEMS OK/);
    for (const component of ['postgres', 'pubnub', 'broadcaster', 'timer-monitor'])
      assert.equal(attributeNear(dom, `data-component="${component}"`, 'data-level'), 'up', component);
    assert.equal(attributeNear(dom, 'data-component="redis"', 'data-level'), 'off');
    for (const sli of ['canary_delivery', 'canary_latency_p95', 'outbox_oldest_age'])
      assert.equal(attributeNear(dom, `data-sli="${sli}"`, 'data-level'), 'up', sli);
    assert.match(dom, /≥ 99.50 %/);
    assert.equal(attributeNear(dom, 'data-deployment="sketchyaf-realtime-broadcaster"', 'data-level'), 'up');
    assert.match(dom, /ghcr\.io\/sketchyaf\/realtime:1\.4\.2/);
    assert.doesNotMatch(dom, /<script|<link|src="http/, 'no scripts and no external assets');
  });

  it('turns PubNub red during an outage, with the change in the recent changes', async () => {
    await pubnub.setFaults({ outage: { durationMs: 120_000 } });
    try {
      await waitFor(
        'PubNub red and canaries lost',
        async () => {
          const { body } = await getHealth(health.url);
          return body.components.pubnub.level === 'down' && body.canary.lost > 0 ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const page = `${health.url}/`;
      await capture(page, 'status-pubnub-outage');
      const dom = await dumpDom(page);
      assert.match(dom, /<title>\[DOWN\] SketchyAF Realtime status \(staging\)<\/title>/);
      assert.equal(attributeNear(dom, 'data-status=', 'data-status'), 'down');
      assert.equal(attributeNear(dom, 'data-component="pubnub"', 'data-level'), 'down');
      assert.match(dom, /PubNub is down: unreachable/);
      assert.match(dom, /Recent changes/);
      assert.match(dom, /PubNub<\/td><td class="change">UP → <span class="pill down">DOWN<\/span>/);
      assert.match(
        dom,
        /href="https:\/\/github.com\/sketchyaf\/sketchyaf-realtime\/blob\/main\/runbooks\/alerts\/ComponentDown.md"/,
      );
    } finally {
      await pubnub.clearFaults();
    }
  });
});
