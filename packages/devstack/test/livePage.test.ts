import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceHandle } from '@sketchyaf/core';
import { startLocalStack } from '../src/localStack.ts';
import { loadLocalStackConfig } from '../src/localStackConfig.ts';
import {
  createTestDatabase,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { openPage, type ChromiumPage } from './chromiumPage.ts';

interface PageView {
  connection: string | undefined;
  catchUp: string | undefined;
  phase: string | undefined;
  phasesSeen: number;
  events: number;
}

const readView = `(() => ({
  connection: document.getElementById('connection')?.dataset.connection,
  catchUp: document.getElementById('catchup')?.dataset.catchup,
  phase: document.getElementById('phase')?.dataset.phase,
  phasesSeen: Number(document.getElementById('phase')?.dataset.phasesSeen ?? 0),
  events: document.querySelectorAll('#events li').length,
}))()`;

describe("npm start's live page in headless Chromium", function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let redis: RedisServer[];
  let stack: ServiceHandle | undefined;
  let page: ChromiumPage | undefined;
  let controlDir: string;
  const banner: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    redis = await startTestRedisServers(1);
    controlDir = await mkdtemp(join(tmpdir(), 'sketchyaf-live-page-'));
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis[0]?.url,
      PUBNUB_LOCAL_PORT: '0',
      BROADCASTER_PORT: '0',
      HEALTH_PORT: '0',
      TIMER_MONITOR_PORT: '0',
      LIVE_PAGE_PORT: '0',
      CONTROL_FILE: join(controlDir, 'control.yaml'),
      LOG_LEVEL: 'silent',
    };
    stack = await startLocalStack({
      config: loadLocalStackConfig(env),
      env,
      print: (line) => banner.push(line),
    });
  });
  after(async () => {
    await page?.close();
    await stack?.stop();
    for (const r of redis ?? []) await r.stop();
    await db?.drop();
    await rm(controlDir, { recursive: true, force: true });
  });

  it('joins the demo game through the player client in the browser and shows its phases changing', async () => {
    const line = banner.find((l) => l.startsWith('live page'));
    const url = /(http:\/\/\S+\/)/.exec(line ?? '')?.[1];
    assert.ok(url, `the banner prints the page: ${banner.join('\n')}`);
    page = await openPage(url);
    const p = page;
    const first = await waitFor(
      'the page connected with a phase shown',
      async () => {
        const view = await p.evaluate<PageView>(readView);
        return view.connection === 'connected' && view.phase !== undefined && view.phase !== ''
          ? view
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // The next phase arrives live while the page is open.
    const later = await waitFor(
      'the phase to change in the page',
      async () => {
        const view = await p.evaluate<PageView>(readView);
        return view.phasesSeen > first.phasesSeen && view.phase !== first.phase ? view : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(later.connection, 'connected');
    assert.ok(later.events >= later.phasesSeen, 'every phase change is listed');
    const sequences = await p.evaluate<number[]>(
      "[...document.querySelectorAll('#events li')].map((li) => Number(li.dataset.sequence))",
    );
    assert.deepEqual(
      sequences,
      Array.from({ length: sequences.length }, (_, i) => i + 1),
      'the events in sequence order from the first, none twice',
    );
    console.log(`      ${url}: ${first.phase} -> ${later.phase}, ${later.events} events listed`);
  });
});
