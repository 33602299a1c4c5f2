import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import type { BroadcasterService } from '../src/index.ts';
import { checkGameOrder, startTestBroadcaster, Subscriber } from './helpers.ts';

/** phase_changed events of a game with `rounds` rounds, from the start (briefing) to completed. */
const eventsFor = (rounds: number): number => 4 * rounds + 1;

describe('end to end: timer monitor -> outbox -> relay -> pubnub-local -> SDK subscriber', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let monitor: TimerMonitorService;
  let broadcaster: BroadcasterService;
  let subscriber: Subscriber;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    monitor = await startTimerMonitor(
      loadTimerMonitorConfig({ DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' }),
      { logger: createSilentLogger('timer-monitor') },
    );
    broadcaster = await startTestBroadcaster(db.url, pubnub);
    subscriber = new Subscriber(pubnub);
    await subscriber.subscribe(['game.*']);
  });
  after(async () => {
    subscriber.stop();
    await broadcaster.stop();
    await monitor.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('delivers every event of 500 timer-driven games, per game in strictly increasing sequence without gaps', async () => {
    const count = 500;
    const specs = Array.from({ length: count }, (_, i) => {
      const seconds = 0.2 + (i % 4) * 0.1; // 0.2 to 0.5 s per phase
      return {
        rounds: 1 + (i % 2),
        durations: { briefing: seconds, drawing: seconds, voting: seconds, results: seconds },
      };
    });
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT r, d::jsonb FROM unnest($1::int[], $2::text[]) AS t(r, d) RETURNING id`,
      [specs.map((s) => s.rounds), specs.map((s) => JSON.stringify(s.durations))],
    );
    const expected = new Map(rows.map((r, i) => [r.id, eventsFor(specs[i]?.rounds ?? 1)]));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [
      [...expected.keys()],
    ]);

    await waitFor(
      `${total} events at the subscriber`,
      () => {
        const distinct = new Set(subscriber.messages.map((m) => m.envelope.eventId));
        return distinct.size >= total ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    assert.deepEqual(checkGameOrder(subscriber.messages, expected), []);

    // What arrived is exactly what the outbox holds, field for field.
    const outbox = await pool.query<{
      event_id: string;
      game_id: string;
      sequence: string;
      source: string;
      to: string;
    }>(
      `SELECT event_id::text, game_id::text, sequence::text, source, payload->>'to' AS to
       FROM realtime_outbox WHERE game_id = ANY($1::uuid[])`,
      [[...expected.keys()]],
    );
    assert.equal(outbox.rowCount, total);
    const byId = new Map(subscriber.messages.map((m) => [m.envelope.eventId, m.envelope]));
    for (const row of outbox.rows) {
      const envelope = byId.get(row.event_id);
      assert.ok(envelope, `event ${row.event_id} not received`);
      assert.equal(envelope.type, 'phase_changed');
      assert.equal(envelope.gameId, row.game_id);
      assert.equal(envelope.sequence, Number(row.sequence));
      assert.equal(envelope.source, row.source);
      assert.equal((envelope.data as { to: string }).to, row.to);
    }
    const completed = subscriber.messages.filter(
      (m) => (m.envelope.data as { to?: string }).to === 'completed',
    );
    assert.equal(
      new Set(completed.map((m) => m.envelope.gameId)).size,
      count,
      'every game reached completed',
    );
    assert.ok(
      outbox.rows.some((r) => r.source === 'timer-monitor') &&
        outbox.rows.some((r) => r.source === 'database'),
      'both sources were seen',
    );
  });
});
