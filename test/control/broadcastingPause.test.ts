// Acceptance 1: broadcasting paused under load — events accumulate in the
// outbox, nothing is published, ingest keeps accepting; resumed — everything
// drains in per-game order, none lost (a real PubNub SDK subscriber checks).
import { strict as assert } from 'node:assert';
import pg from 'pg';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import type { HealthService } from '@sketchyaf/health';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { TimerMonitorService } from '@sketchyaf/timer-monitor';
import {
  checkGameOrder,
  createGames,
  metricValue,
  post,
  startTestBroadcaster,
  Subscriber,
} from '../../services/broadcaster/test/helpers.ts';
import { startTestMonitor } from '../../services/timer-monitor/test/helpers.ts';
import { cli, controlDir, controlEnv, startOperator, type ControlDir } from './helpers.ts';

describe('runtime control: broadcasting paused under load, then resumed (acceptance 1)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let dir: ControlDir;
  let broadcaster: BroadcasterService;
  let timers: TimerMonitorService;
  let health: HealthService;
  let subscriber: Subscriber;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    dir = await controlDir();
    broadcaster = await startTestBroadcaster(db.url, pubnub, {
      ...controlEnv(dir.file),
      RELAY_POLL_INTERVAL_MS: '200',
    });
    timers = await startTestMonitor(db.url, controlEnv(dir.file));
    health = await startOperator(db.url, pubnub.url, dir.file, {
      broadcaster: [broadcaster.url],
      timerMonitor: [timers.url],
    });
    subscriber = new Subscriber(pubnub, 'control-acceptance-1');
    await subscriber.subscribe(['game.*']);
  });

  after(async () => {
    subscriber?.stop();
    await health?.stop();
    await timers?.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
    await dir?.remove();
  });

  it('accumulates while paused, publishes nothing, keeps accepting; drains in order on resume, none lost', async () => {
    const games = await createGames(pool, 30);
    let posting = true;
    const statuses = new Map<number, number>();
    // Load: 6 concurrent writers, each posting events for the games in turn, until told to stop.
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; posting; i += 1) {
        const gameId = games[(w * 7 + i) % games.length] ?? '';
        const { status } = await post(`${broadcaster.url}/v1/events`, {
          type: 'vote_cast',
          gameId,
          data: { voterId: `p${w}`, drawingId: `d-${i}`, round: 1 },
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
    const accepted = (): number => statuses.get(202) ?? 0;

    await waitFor('events flowing to PubNub', () =>
      pubnub.stats().totals.published > 50 ? true : undefined,
    );

    const pause = await cli(['pause', 'broadcasting', '--note', 'acceptance 1'], dir.file, health.url);
    assert.equal(pause.code, 0, [...pause.out, ...pause.err].join('\n'));
    assert.ok(
      pause.out.some((l) => l.startsWith('done: all 2 replicas applied generation 1')),
      pause.out.join('\n'),
    );
    const publishedAtAck = pubnub.stats().totals.published;
    const acceptedAtAck = accepted();
    const backlogAt = async (): Promise<number> =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND dead_lettered_at IS NULL',
        )
      ).rows[0]?.n ?? 0;
    const backlogAtAck = await backlogAt();

    // While 300 more events are written (each NOTIFY would wake a relay that ignored the pause
    // within milliseconds), instead of a fixed wait.
    await waitFor('the outbox to grow by 300 while paused', async () =>
      (await backlogAt()) > backlogAtAck + 300 ? true : undefined,
    );
    assert.equal(pubnub.stats().totals.published, publishedAtAck, 'nothing published while paused');
    assert.ok(
      accepted() - acceptedAtAck > 100,
      `ingest kept accepting (${accepted() - acceptedAtAck} while paused)`,
    );
    const backlogPaused = await backlogAt();
    assert.ok(backlogPaused > backlogAtAck + 100, `outbox accumulates: ${backlogAtAck} -> ${backlogPaused}`);
    const metrics = await (await fetch(`${broadcaster.url}/metrics`)).text();
    assert.equal(metricValue(metrics, 'sketchyaf_realtime_control_paused', 'what="broadcasting"'), 1);
    const control = (await (await fetch(`${broadcaster.url}/control`)).json()) as {
      applied: { generation: number; spec: { broadcasting: string } };
    };
    assert.equal(control.applied.generation, 1);
    assert.equal(control.applied.spec.broadcasting, 'paused');

    posting = false;
    await Promise.all(writers);
    assert.deepEqual([...statuses.keys()], [202], 'every write was accepted');

    const resume = await cli(['resume', 'broadcasting'], dir.file, health.url);
    assert.equal(resume.code, 0, [...resume.out, ...resume.err].join('\n'));

    const { rows } = await pool.query<{ id: string; n: number }>(
      'SELECT id, last_event_sequence::int AS n FROM games WHERE id = ANY($1::uuid[])',
      [games],
    );
    const expected = new Map(rows.map((r) => [r.id, r.n]));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, accepted(), 'one outbox event per accepted request');
    await waitFor(
      'every event delivered to the subscriber',
      () => (checkGameOrder(subscriber.messages, expected).length === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    assert.deepEqual(checkGameOrder(subscriber.messages, expected), []);
    await waitFor('every row marked published', async () => ((await backlogAt()) === 0 ? true : undefined), {
      timeoutMs: 20_000,
    });
  });
});
