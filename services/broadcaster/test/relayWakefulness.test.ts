import { strict as assert } from 'node:assert';
import pg from 'pg';
import { systemClock } from '@sketchyaf/core';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  mustMarkAwake,
  RelayWakefulness,
  sleepBarrierWaitMs,
  wakefulnessTimings,
} from '../src/relay/relayWakefulness.ts';
import { postgresOutboxStore } from '../src/relay/outboxStore.ts';
import type { BroadcasterService } from '../src/index.ts';
import { startTestBroadcaster } from './helpers.ts';

describe('relay wakefulness decisions', () => {
  it('marks the row before a claim unless it said awake within the refresh period', () => {
    assert.equal(mustMarkAwake({ state: 'unknown' }, 1000, 500), true);
    assert.equal(mustMarkAwake({ state: 'asleep' }, 1000, 500), true);
    assert.equal(mustMarkAwake({ state: 'awake', markedAt: 600 }, 1000, 500), false);
    assert.equal(mustMarkAwake({ state: 'awake', markedAt: 500 }, 1000, 500), true);
  });

  it('forgets a relay after ten polls, never sooner than 30 s', () => {
    assert.deepEqual(wakefulnessTimings(2000), { refreshMs: 2000, forgetAfterMs: 30_000 });
    assert.deepEqual(wakefulnessTimings(10_000), { refreshMs: 10_000, forgetAfterMs: 100_000 });
  });
});

describe('outbox NOTIFY only for a sleeping relay (migration 0012, real PostgreSQL)', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let listener: pg.Client;
  let notified = 0;
  const relays: RelayWakefulness[] = [];

  const insertSql = `INSERT INTO realtime_outbox (type, channel, request_id, source)
                     VALUES ('notice', 'user.wakefulness', 'req', 'api') RETURNING id`;

  /** Commits one event; resolves to how many notifications it caused. */
  async function notificationsOfOneCommit(): Promise<number> {
    const before = notified;
    await pool.query(insertSql);
    // The listener's own round trip: any notification of that commit has arrived before its answer.
    await listener.query('SELECT 1');
    return notified - before;
  }

  function relay(): RelayWakefulness {
    const r = new RelayWakefulness(postgresOutboxStore(pool), systemClock, wakefulnessTimings(2000));
    relays.push(r);
    return r;
  }

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', () => {
      notified += 1;
    });
    await listener.query('LISTEN realtime_outbox');
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.gone();
  });
  after(async () => {
    await listener.end();
    await pool.end();
    await db.drop();
  });

  it('notifies when no relay has a row, skips while every relay is awake, notifies when one sleeps', async () => {
    assert.equal(await notificationsOfOneCommit(), 1, 'no relay row: as before 0012');
    const a = relay();
    const b = relay();
    await a.awake();
    assert.equal(await notificationsOfOneCommit(), 0, 'the only relay is awake');
    assert.equal(await b.sleep(), true);
    assert.equal(await notificationsOfOneCommit(), 1, 'one relay of two sleeps');
    await b.awake();
    assert.equal(await notificationsOfOneCommit(), 0, 'both awake');
    assert.equal(await a.sleep(), true);
    assert.equal(await notificationsOfOneCommit(), 1);
    await a.gone();
    await b.gone();
    assert.equal(await notificationsOfOneCommit(), 1, 'no relay left: notify again');
  });

  it('going to sleep waits for a writer that skipped its NOTIFY, so the next claim sees its event', async () => {
    const r = relay();
    await r.awake();
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      const { rows } = await writer.query<{ id: string }>(insertSql);
      const sleeping = r.sleep();
      let slept = false;
      void sleeping.then(() => {
        slept = true;
      });
      await new Promise((resolve) => setTimeout(resolve, sleepBarrierWaitMs / 4));
      assert.equal(slept, false, 'the barrier waits for the open writer');
      // A writer arriving while the barrier waits does not wait, and NOTIFYs.
      assert.equal(await notificationsOfOneCommit(), 1);
      await writer.query('COMMIT');
      assert.equal(await sleeping, true);
      const { rows: seen } = await pool.query('SELECT 1 FROM realtime_outbox WHERE id = $1', [rows[0]?.id]);
      assert.equal(seen.length, 1, 'committed before the relay claims again');
    } finally {
      writer.release();
    }
  });

  it('a writer holding its transaction past the barrier wait keeps the relay awake, and writers quiet', async () => {
    const r = relay();
    await r.awake();
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(insertSql);
      assert.equal(await r.sleep(), false, 'lock_timeout: still awake');
      assert.equal(r.state, 'awake');
      await writer.query('COMMIT');
      assert.equal(await notificationsOfOneCommit(), 0, 'the row still says awake');
    } finally {
      writer.release();
    }
  });

  it('forgets a sleeping relay that stopped renewing its row', async () => {
    const dead = relay();
    await dead.sleep();
    await pool.query("UPDATE realtime_relays SET seen_at = seen_at - interval '1 hour' WHERE relay_id = $1", [
      dead.relayId,
    ]);
    const live = relay();
    await live.sleep();
    await live.awake();
    const { rows } = await pool.query<{ relay_id: string }>('SELECT relay_id FROM realtime_relays');
    assert.deepEqual(
      rows.map((row) => row.relay_id),
      [live.relayId],
    );
    assert.equal(await notificationsOfOneCommit(), 0);
  });
});

describe('relay with NOTIFY skipped while awake (real broadcaster, pubnub-local)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 8 });
    pubnub = await startPubnubLocal({ port: 0 });
  });
  after(async () => {
    await service?.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('publishes every single-event commit promptly, far sooner than the (10 min) poll', async () => {
    service = await startTestBroadcaster(db.url, pubnub, { RELAY_POLL_INTERVAL_MS: '600000' });
    const ids: string[] = [];
    // Bursts of concurrent commits and pauses: the relay wakes, drains, sleeps and wakes again.
    for (let burst = 0; burst < 8; burst += 1) {
      const inserted = await Promise.all(
        Array.from({ length: 25 }, () =>
          pool.query<{ id: string }>(
            `INSERT INTO realtime_outbox (type, channel, request_id, source)
             VALUES ('notice', 'user.burst' || $1, 'req', 'api') RETURNING id`,
            [burst],
          ),
        ),
      );
      ids.push(...inserted.map((r) => r.rows[0]?.id ?? ''));
      await new Promise((resolve) => setTimeout(resolve, burst * 15));
    }
    await waitFor(
      'every event published',
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE id = ANY($1) AND published_at IS NOT NULL',
          [ids],
        );
        return rows[0]?.n === ids.length ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const { rows } = await pool.query<{ awake: boolean }>('SELECT awake FROM realtime_relays');
    assert.equal(rows.length, 1, 'the relay has its row');
    await service.stop();
    service = undefined;
    const { rows: after } = await pool.query('SELECT 1 FROM realtime_relays');
    assert.equal(after.length, 0, 'a stopped relay removes its row');
  });
});
