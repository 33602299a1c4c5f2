// Acceptance 2: timers paused — overdue games stay where they are and are
// reported overdue; resumed — each advances exactly once (audit table
// game_transitions), with two replicas racing for every game.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import type { HealthService } from '@sketchyaf/health';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { TimerMonitorService } from '@sketchyaf/timer-monitor';
import { metricValue, startTestBroadcaster } from '../../services/broadcaster/test/helpers.ts';
import { getHealth } from '../../services/health/test/helpers.ts';
import {
  auditOf,
  countInStatus,
  createStartedGames,
  startTestMonitor,
} from '../../services/timer-monitor/test/helpers.ts';
import { cli, controlDir, controlEnv, sleep, startOperator, type ControlDir } from './helpers.ts';

describe('runtime control: timers paused, then resumed (acceptance 2)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let dir: ControlDir;
  let broadcaster: BroadcasterService;
  const timers: TimerMonitorService[] = [];
  let health: HealthService;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    dir = await controlDir();
    broadcaster = await startTestBroadcaster(db.url, pubnub, controlEnv(dir.file));
    // Two replicas without leases: both own every game, so on resume they race for each one.
    for (let i = 0; i < 2; i += 1) timers.push(await startTestMonitor(db.url, controlEnv(dir.file)));
    health = await startOperator(db.url, pubnub.url, dir.file, {
      broadcaster: [broadcaster.url],
      timerMonitor: timers.map((t) => t.url),
    });
  });

  after(async () => {
    await health?.stop();
    for (const t of timers) await t.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
    await dir?.remove();
  });

  it('keeps overdue games in place and reports them; on resume each advances exactly once', async () => {
    const pause = await cli(['pause', 'timers'], dir.file, health.url);
    assert.equal(pause.code, 0, [...pause.out, ...pause.err].join('\n'));
    assert.ok(
      pause.out.some((l) => l.startsWith('done: all 3 replicas applied generation 1')),
      pause.out.join('\n'),
    );

    const count = 200;
    const games = await createStartedGames(pool, count, () => ({ briefing: 0.3, drawing: 600 }), 1);
    // Reported overdue means every deadline is more than a second past: long enough for a
    // replica that ignored the pause to have moved them (no fixed wait).
    const reported = await waitFor('the overdue games on /api/health', async () => {
      const { body } = await getHealth(health.url);
      return body.games && body.games.overdue === count ? body : undefined;
    });
    const { rows: statuses } = await pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) GROUP BY status',
      [games],
    );
    assert.deepEqual(statuses, [{ status: 'briefing', n: count }], 'no game moved while paused');
    assert.ok(
      reported.reasons.some((r) => r.startsWith(`${count} game(s) overdue`)),
      reported.reasons.join('\n'),
    );
    assert.ok(
      reported.reasons.some((r) => r.startsWith('Runtime control: timers paused')),
      reported.reasons.join('\n'),
    );
    for (const t of timers) {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      await waitFor('the overdue gauge of each replica', async () => {
        const now = await (await fetch(`${t.url}/metrics`)).text();
        return metricValue(now, 'sketchyaf_realtime_timer_overdue_games') === count ? true : undefined;
      });
      assert.equal(metricValue(text, 'sketchyaf_realtime_control_paused', 'what="timers"'), 1);
    }

    const resume = await cli(['resume', 'timers'], dir.file, health.url);
    assert.equal(resume.code, 0, [...resume.out, ...resume.err].join('\n'));
    await waitFor(
      'every game in drawing',
      async () => ((await countInStatus(pool, games, 'drawing')) === count ? true : undefined),
      { timeoutMs: 10_000 },
    );
    // The window is the test: a second advance after resume, were there one, would land in it.
    await sleep(500);
    const audit = await auditOf(pool, games);
    for (const id of games) {
      const path = (audit.get(id) ?? []).map((r) => `${r.from_status}->${r.to_status}`);
      assert.deepEqual(path, ['waiting->briefing', 'briefing->drawing'], `${id}: advanced exactly once`);
    }
  });
});
