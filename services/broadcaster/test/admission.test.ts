import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { admission, type AdmissionLimits } from '../src/ingest/admission.ts';
import { startLoopLagMeter } from '../src/ingest/loopLag.ts';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { createGames, metricValue, post, startTestBroadcaster, type PostResult } from './helpers.ts';

describe('write queue admission', () => {
  const limits: AdmissionLimits = { maxEvents: 10, maxRequests: 5, maxWaitMs: 20, maxLoopLagMs: 30 };

  it('admits up to the event bound and refuses the request that would pass it', () => {
    assert.deepEqual(admission({ events: 0, requests: 0, standingWaitMs: 0, loopLagMs: 0 }, 1, limits), {
      admit: true,
    });
    assert.deepEqual(admission({ events: 9, requests: 1, standingWaitMs: 0, loopLagMs: 0 }, 1, limits), {
      admit: true,
    });
    assert.deepEqual(admission({ events: 10, requests: 1, standingWaitMs: 0, loopLagMs: 0 }, 1, limits), {
      admit: false,
      limit: 'events',
      retryAfterSeconds: 1,
    });
    assert.deepEqual(admission({ events: 5, requests: 1, standingWaitMs: 0, loopLagMs: 0 }, 6, limits), {
      admit: false,
      limit: 'events',
      retryAfterSeconds: 1,
    });
  });

  it('admits up to the request bound, whatever their events (single-event requests cost the process)', () => {
    const state = { events: 4, standingWaitMs: 0, loopLagMs: 0 };
    assert.deepEqual(admission({ ...state, requests: 4 }, 1, limits), { admit: true });
    assert.deepEqual(admission({ ...state, requests: 5 }, 1, limits), {
      admit: false,
      limit: 'requests',
      retryAfterSeconds: 1,
    });
  });

  it('admits a batch larger than the bound into an empty queue only', () => {
    assert.deepEqual(admission({ events: 0, requests: 0, standingWaitMs: 0, loopLagMs: 0 }, 50, limits), {
      admit: true,
    });
    assert.equal(
      admission({ events: 1, requests: 1, standingWaitMs: 0, loopLagMs: 0 }, 50, limits).admit,
      false,
    );
  });

  it('refuses while the event loop runs behind by more than the bound, whatever the queue', () => {
    assert.deepEqual(admission({ events: 0, requests: 0, standingWaitMs: 0, loopLagMs: 30 }, 1, limits), {
      admit: true,
    });
    assert.deepEqual(admission({ events: 0, requests: 0, standingWaitMs: 0, loopLagMs: 31 }, 1, limits), {
      admit: false,
      limit: 'loop_lag',
      retryAfterSeconds: 1,
    });
  });

  it('refuses while the queue stands longer than the wait bound, whatever its size', () => {
    assert.deepEqual(admission({ events: 1, requests: 1, standingWaitMs: 20, loopLagMs: 0 }, 1, limits), {
      admit: true,
    });
    assert.deepEqual(admission({ events: 1, requests: 1, standingWaitMs: 21, loopLagMs: 0 }, 1, limits), {
      admit: false,
      limit: 'wait',
      retryAfterSeconds: 1,
    });
    assert.equal(
      admission({ events: 1, requests: 1, standingWaitMs: 21, loopLagMs: 0 }, 1, {
        ...limits,
        maxWaitMs: 60_000,
      }).admit,
      true,
    );
  });
});

interface ErrorBody {
  error: { code: string; details: { limit: string; retryAfterSeconds: number; outcome: string } };
  requestId: string;
}

function assertOverloaded(res: PostResult, limit: string): void {
  assert.equal(res.status, 503, JSON.stringify(res.body));
  const { error } = res.body as ErrorBody;
  assert.equal(error.code, 'overloaded');
  assert.equal(error.details.limit, limit);
  assert.equal(error.details.outcome, 'not_written');
  assert.equal(res.headers.get('retry-after'), '1');
  assert.equal((res.body as ErrorBody).requestId, res.headers.get('x-request-id'));
}

describe('ingest with a bounded write queue (real broadcaster, real PostgreSQL)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let holder: pg.Client;
  const started: BroadcasterService[] = [];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
  });
  after(async () => {
    await holder.end();
    for (const service of started) await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  /** One statement at a time, so that a blocked statement holds the queue behind it. */
  async function broadcaster(env: Record<string, string>): Promise<BroadcasterService> {
    const service = await startTestBroadcaster(db.url, pubnub, {
      RELAY_ENABLED: 'false',
      INGEST_COMMIT_MAX_IN_FLIGHT: '1',
      INGEST_COMMIT_QUEUE_TIMEOUT_MS: '30000',
      ...env,
    });
    started.push(service);
    await service.started;
    return service;
  }

  const queued = async (service: BroadcasterService): Promise<number | undefined> =>
    metricValue(
      await (await fetch(`${service.url}/metrics`)).text(),
      'sketchyaf_realtime_ingest_queue_events',
    );

  /** Blocks every outbox insert until the returned function is called. */
  async function blockInserts(): Promise<() => Promise<void>> {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE realtime_outbox IN SHARE ROW EXCLUSIVE MODE');
    return async () => {
      await holder.query('ROLLBACK');
    };
  }

  async function writtenGames(): Promise<Set<string>> {
    const { rows } = await pool.query<{ game_id: string }>(
      'SELECT DISTINCT game_id::text FROM realtime_outbox WHERE game_id IS NOT NULL',
    );
    return new Set(rows.map((r) => r.game_id));
  }

  it('refuses at once what would pass INGEST_QUEUE_MAX_EVENTS, writes none of it, and writes what it admitted', async () => {
    const service = await broadcaster({ INGEST_QUEUE_MAX_EVENTS: '3', INGEST_QUEUE_MAX_WAIT_MS: '60000' });
    const url = `${service.url}/v1/events`;
    const games = await createGames(pool, 12);
    const admittedGames = games.slice(0, 3);
    const [g3 = '', g4 = '', g5 = '', ...rest] = games.slice(3);
    const unblock = await blockInserts();
    const admitted: Promise<PostResult>[] = [];
    try {
      admitted.push(...admittedGames.map((g) => post(url, exampleEvents(g)['vote_cast'])));
      await waitFor('three events queued', async () => ((await queued(service)) === 3 ? true : undefined));

      const timed = async (send: () => Promise<PostResult>): Promise<PostResult & { ms: number }> => {
        const t0 = performance.now();
        const res = await send();
        return { ...res, ms: performance.now() - t0 };
      };
      const refused = await Promise.all([
        ...rest.map((g) => timed(() => post(url, exampleEvents(g)['vote_cast']))),
        // With an Idempotency-Key: the same queue, the same bound.
        timed(() => post(url, exampleEvents(g3)['vote_cast'], { 'idempotency-key': 'bounded-key-1' })),
        timed(() =>
          post(`${url}/batch`, { events: [exampleEvents(g4)['vote_cast'], exampleEvents(g5)['vote_cast']] }),
        ),
      ]);
      for (const res of refused) {
        assertOverloaded(res, 'events');
        // Answered while the admitted requests still wait for the lock: nothing made them wait for the database.
        assert.ok(res.ms < 2000, `refused in ${Math.round(res.ms)} ms`);
      }
      assert.equal(await queued(service), 3, 'the refused requests never joined the queue');
    } finally {
      await unblock();
    }
    for (const res of await Promise.all(admitted)) assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(await writtenGames(), new Set(admittedGames), 'admitted written, refused not');

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.equal(
      metricValue(metrics, 'sketchyaf_realtime_ingest_events_rejected_total', 'reason="overloaded"'),
      8,
      'every refused request counted (the batch as one: refused before its body was read, like read-only)',
    );
    assert.equal(metricValue(metrics, 'sketchyaf_realtime_ingest_queue_events'), 0);
    // Refused in front of Express (overloadGate), and still in the HTTP metrics the error-rate alerts read.
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_http_requests_total',
        'route="/v1/events",method="POST",status="503"',
      ),
      7,
    );
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_http_requests_total',
        'route="/v1/events/batch",method="POST",status="503"',
      ),
      1,
    );
    // The queue drained: the same key is admitted and written now.
    const again = await post(url, exampleEvents(g3)['vote_cast'], {
      'idempotency-key': 'bounded-key-1',
    });
    assert.equal(again.status, 202, JSON.stringify(again.body));
  });

  it('refuses while the queue stands past INGEST_QUEUE_MAX_WAIT_MS: every recent group waited', async () => {
    await pool.query('DELETE FROM realtime_outbox');
    // One request per statement, one statement at a time, each 60 ms: a queue that does not drain.
    const service = await broadcaster({
      INGEST_QUEUE_MAX_EVENTS: '1000',
      INGEST_QUEUE_MAX_WAIT_MS: '20',
      INGEST_COMMIT_MAX_EVENTS: '1',
    });
    await pool.query(`CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql
                      AS $$ BEGIN PERFORM pg_sleep(0.06); RETURN NULL; END $$`);
    await pool.query(`CREATE TRIGGER test_slow_insert BEFORE INSERT ON realtime_outbox
                      FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert()`);
    const url = `${service.url}/v1/events`;
    const [late = '', ...games] = await createGames(pool, 13);
    let admitted: PostResult[] | undefined;
    try {
      const sent = Promise.all(games.map((g) => post(url, exampleEvents(g)['vote_cast'])));
      await waitFor(
        'six statements committed',
        async () => ((await writtenGames()).size >= 6 ? true : undefined),
        {
          timeoutMs: 20_000,
        },
      );
      assertOverloaded(await post(url, exampleEvents(late)['vote_cast']), 'wait');
      admitted = await sent;
    } finally {
      await pool.query('DROP TRIGGER test_slow_insert ON realtime_outbox');
      await pool.query('DROP FUNCTION test_slow_insert()');
    }
    assert.ok(admitted);
    for (const res of admitted) assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(await writtenGames(), new Set(games));
  });
});

describe('event loop lag meter', () => {
  const late = (clock: ManualClock, ms: number, ticks: number): void => {
    for (let i = 0; i < ticks; i += 1) {
      clock.freeze(ms);
      clock.advance(10, 10);
    }
  };

  it('reads 0 while ticks run on time, and ignores one late tick (a pause, not a backlog)', () => {
    const clock = new ManualClock();
    const meter = startLoopLagMeter(clock, { intervalMs: 10, ticks: 5 });
    try {
      clock.advance(1000, 10);
      assert.equal(meter.lagMs(), 0);
      late(clock, 200, 1);
      assert.equal(meter.lagMs(), 0, 'the last ticks but one ran on time');
      late(clock, 200, 3);
      assert.equal(meter.lagMs(), 0, 'still one on time among the last five');
    } finally {
      meter.stop();
    }
  });

  it('reads the standing lag once every tick of the window ran late, and 0 again once they run on time', () => {
    const clock = new ManualClock();
    const meter = startLoopLagMeter(clock, { intervalMs: 10, ticks: 5 });
    try {
      clock.advance(1000, 10);
      late(clock, 40, 1);
      late(clock, 60, 3);
      assert.equal(meter.lagMs(), 0, 'four late ticks: not yet a backlog');
      late(clock, 60, 1);
      assert.equal(meter.lagMs(), 40, 'five: the least of them');
      late(clock, 60, 1);
      assert.equal(meter.lagMs(), 60);
      clock.advance(10, 10);
      assert.equal(meter.lagMs(), 0, 'one tick on time ends it');
    } finally {
      meter.stop();
    }
  });

  it('keeps the last reading while no tick runs', () => {
    const clock = new ManualClock();
    const meter = startLoopLagMeter(clock, { intervalMs: 10, ticks: 5 });
    try {
      late(clock, 50, 12);
      clock.freeze(500);
      assert.equal(meter.lagMs(), 50);
    } finally {
      meter.stop();
    }
  });
});
