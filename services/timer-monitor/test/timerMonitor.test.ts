import { strict as assert } from 'node:assert';
import pg from 'pg';
import { Histogram } from 'prom-client';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import type { TimerMonitorService } from '../src/index.ts';
import {
  assertEachTransitionOnce,
  assertStatusesEntered,
  auditOf,
  countInStatus,
  createStartedGames,
  startTestMonitor,
  waitAllCompleted,
} from './helpers.ts';

/** Games of `ids` in `status` whose deadline passed more than `byMs` ago in database time. */
async function overdueIn(pool: pg.Pool, ids: readonly string[], status: string, byMs = 0): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) AND status = $2
       AND phase_expires_at < clock_timestamp() - $3 * interval '1 millisecond'`,
    [ids, status, byMs],
  );
  return rows[0]?.n ?? 0;
}

describe('timer monitor on real PostgreSQL', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let monitor: TimerMonitorService | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
    await pool.end();
    await db.drop();
  });

  it('drives 2,000 games with 0.2-1.0 s phases through every phase of every round, each transition once', async () => {
    monitor = await startTestMonitor(db.url);
    const rounds = 2;
    const phase = (i: number, k: number): number => 0.2 + ((i * 7 + k * 13) % 9) / 10;
    const ids = await createStartedGames(
      pool,
      2000,
      (i) => ({ briefing: phase(i, 0), drawing: phase(i, 1), voting: phase(i, 2), results: phase(i, 3) }),
      rounds,
    );

    await waitAllCompleted(pool, ids, 60_000);

    await assertEachTransitionOnce(pool, ids, rounds, (id, rows) => {
      assert.ok(
        rows.slice(1).every((r) => r.source === 'timer-monitor'),
        `timed transitions of ${id}`,
      );
    });
    const events = await pool.query<{ games: number; gaps: number }>(
      `SELECT count(DISTINCT game_id)::int AS games,
              count(*) FILTER (WHERE sequence <> expected)::int AS gaps
       FROM (SELECT game_id, sequence, row_number() OVER (PARTITION BY game_id ORDER BY sequence) AS expected
             FROM realtime_outbox WHERE game_id = ANY($1::uuid[])) s`,
      [ids],
    );
    assert.deepEqual(events.rows[0], { games: 2000, gaps: 0 });

    // Phase durations: every phase the timer ended is observed with its length (0.2-1.0 s plus lag).
    const histogram = monitor.registry.getSingleMetric('sketchyaf_realtime_timer_phase_duration_seconds');
    assert.ok(histogram instanceof Histogram, 'phase duration histogram registered');
    const { values } = await histogram.get();
    const value = (phase: string, suffix: string): number =>
      values.find((v) => v.labels['phase'] === phase && v.metricName?.endsWith(suffix) === true)?.value ?? 0;
    for (const phase of ['briefing', 'drawing', 'voting', 'results']) {
      const count = value(phase, '_count');
      // Round 1's briefing is observed only when its start came with the deadline (reload, not NOTIFY).
      if (phase === 'briefing') assert.ok(count >= 2000 && count <= 4000, `briefing observed ${count} times`);
      else assert.equal(count, 2000 * rounds, `${phase} observed`);
      const mean = value(phase, '_sum') / count;
      assert.ok(mean >= 0.2 && mean < 1.5, `${phase} mean ${mean} s`);
    }
  });

  it('does not repeat a transition the backend made early (drawing -> voting before expiry)', async () => {
    monitor = await startTestMonitor(db.url);
    // The second game is a fence: its drawing ends just after the first's original deadline.
    const [id, fence] = await createStartedGames(
      pool,
      2,
      (i) => ({ briefing: 0.2, drawing: i === 0 ? 1.2 : 1.3, voting: 30 }),
      1,
    );
    assert.ok(id && fence);
    await waitFor('drawing', async () => {
      const { rows } = await pool.query<{ status: string }>('SELECT status FROM games WHERE id = $1', [id]);
      return rows[0]?.status === 'drawing' ? true : undefined;
    });
    await pool.query("UPDATE games SET status = 'voting' WHERE id = $1", [id]);
    // Once the monitor advanced the fence, it has been past the first game's original deadline.
    await waitFor('the fence advanced by the monitor', async () =>
      ((await auditOf(pool, [fence])).get(fence) ?? []).some(
        (r) => r.to_status === 'voting' && r.source === 'timer-monitor',
      )
        ? true
        : undefined,
    );
    const rows = (await auditOf(pool, [id])).get(id) ?? [];
    assert.deepEqual(
      rows.map((r) => `${r.from_status}->${r.to_status}:${r.source}`),
      ['waiting->briefing:database', 'briefing->drawing:timer-monitor', 'drawing->voting:database'],
    );
  });

  it('advances every game that expired while it was stopped exactly once after a restart', async () => {
    monitor = await startTestMonitor(db.url);
    const ids = await createStartedGames(pool, 300, () => ({ briefing: 0.3, drawing: 60 }), 1);
    await monitor.stop();
    monitor = undefined;
    // Until every briefing has expired in database time (0.3 s), not a fixed wait.
    await waitFor('all overdue while stopped', async () =>
      (await overdueIn(pool, ids, 'briefing')) === 300 ? true : undefined,
    );

    monitor = await startTestMonitor(db.url);
    await waitFor('catch-up', async () => {
      return (await countInStatus(pool, ids, 'drawing')) === 300 ? true : undefined;
    });
    // A duplicate transition would come from a batch still out: wait until none is.
    const timers = monitor.monitor;
    await waitFor('no batch in flight', () => (timers.batchesInFlight === 0 ? true : undefined));
    await assertStatusesEntered(pool, ids, ['briefing', 'drawing']);
  });

  it('sends the next due batch while it still processes the answer to the previous one', async () => {
    // Expired before the monitor starts, so all 200 are due at once: four batches of 50, one at a time.
    const ids = await createStartedGames(pool, 200, () => ({ briefing: 0.2, drawing: 60 }), 1);
    await waitFor('all 200 due', async () =>
      (await overdueIn(pool, ids, 'briefing')) === 200 ? true : undefined,
    );
    monitor = await startTestMonitor(db.url, { TIMER_BATCH_SIZE: '50', TIMER_MAX_IN_FLIGHT: '1' });
    const timers = monitor.monitor;
    const seen: { statements: number; batches: number }[] = [];
    timers.on('transition', () => {
      seen.push({ statements: timers.statementsInFlight, batches: timers.batchesInFlight });
    });
    await waitFor('catch-up', async () => {
      return (await countInStatus(pool, ids, 'drawing')) === 200 ? true : undefined;
    });
    assert.equal(seen.length, 200);
    // While a batch's rows are processed, the next statement is already out.
    for (let batch = 0; batch < 3; batch += 1) {
      assert.deepEqual(seen[batch * 50], { statements: 1, batches: 2 }, `batch ${batch + 1}`);
    }
    assert.deepEqual(seen[150], { statements: 0, batches: 1 }, 'nothing left after the last batch');
  });

  it('only counts overdue games in its safety sweep while it works through a backlog', async () => {
    const ids = await createStartedGames(pool, 3000, () => ({ briefing: 0.2, drawing: 60 }), 1);
    // Overdue by more than the second the sweep's gauge counts from.
    await waitFor('all 3,000 overdue', async () =>
      (await overdueIn(pool, ids, 'briefing', 1000)) === 3000 ? true : undefined,
    );
    monitor = await startTestMonitor(db.url, {
      TIMER_BATCH_SIZE: '25',
      TIMER_MAX_IN_FLIGHT: '1',
      TIMER_SWEEP_INTERVAL_MS: '100',
    });
    const sweeps = async (): Promise<Map<string, number>> => {
      const metric = monitor?.registry.getSingleMetric('sketchyaf_realtime_timer_sweeps_total');
      const values = (await metric?.get())?.values ?? [];
      return new Map(values.map((v) => [String(v.labels['kind']), v.value]));
    };
    const overdueSeen: number[] = [];
    await waitFor('catch-up', async () => {
      const gauge = monitor?.registry.getSingleMetric('sketchyaf_realtime_timer_overdue_games');
      overdueSeen.push((await gauge?.get())?.values[0]?.value ?? 0);
      return (await countInStatus(pool, ids, 'drawing')) === 3000 ? true : undefined;
    });
    const during = await sweeps();
    assert.ok(
      (during.get('count') ?? 0) >= 1,
      `count-only sweeps during the backlog: ${during.get('count')}`,
    );
    assert.ok(Math.max(...overdueSeen) > 0, 'the gauge showed the backlog');
    await waitFor('a full sweep after the backlog', async () =>
      ((await sweeps()).get('full') ?? 0) > (during.get('full') ?? 0) ? true : undefined,
    );
    await assertStatusesEntered(pool, ids, ['briefing', 'drawing']);
  });

  it('follows a deadline the backend moves, via NOTIFY', async () => {
    monitor = await startTestMonitor(db.url, { TIMER_SWEEP_INTERVAL_MS: '60000' });
    const [id] = await createStartedGames(pool, 1, () => ({ briefing: 30 }), 1);
    assert.ok(id);
    await pool.query(
      "UPDATE games SET phase_expires_at = clock_timestamp() + interval '300 milliseconds' WHERE id = $1",
      [id],
    );
    await waitFor(
      'the moved deadline to fire',
      async () => {
        const { rows } = await pool.query<{ status: string }>('SELECT status FROM games WHERE id = $1', [id]);
        return rows[0]?.status === 'drawing' ? true : undefined;
      },
      { timeoutMs: 5000 },
    );
  });
});
