import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { busyRetryAfterSeconds, nextBusyRetryMs } from '../src/ingest/busyRetry.ts';
import { GameBusyError, outcomes } from '../src/ingest/outboxWriter.ts';
import type { PreparedEvent } from '../src/ingest/prepareEvent.ts';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { createGames, metricValue, post, startTestBroadcaster } from './helpers.ts';

describe('busy-game retry policy', () => {
  it('tries again quickly, then at most every 100 ms, and gives up within the budget', () => {
    const delays: number[] = [];
    let elapsed = 0;
    for (let attempt = 1; attempt < 100; attempt += 1) {
      const delay = nextBusyRetryMs(attempt, elapsed, 1000);
      if (delay === null) break;
      delays.push(delay);
      elapsed += delay;
    }
    assert.deepEqual(delays.slice(0, 6), [5, 10, 20, 40, 80, 100]);
    assert.ok(elapsed <= 1000 && elapsed > 900, `waited ${elapsed} ms of the 1,000 ms budget`);
    assert.equal(nextBusyRetryMs(1, 0, 0), null, 'a zero budget answers at once');
    assert.equal(busyRetryAfterSeconds(1000), 1);
    assert.equal(busyRetryAfterSeconds(0), 1);
    assert.equal(busyRetryAfterSeconds(2500), 3);
  });
});

describe('outcomes of a group with a busy game', () => {
  const event = (eventId: string, gameId: string): PreparedEvent => ({
    eventId,
    type: 'vote_cast',
    gameId,
    sequenced: true,
    channel: `game.${gameId}`,
    data: {},
    dataJson: '{}',
    requestId: 'r',
    occurredAt: null,
  });
  const [a, b, c] = [
    'a0000000-0000-4000-8000-000000000001',
    'b0000000-0000-4000-8000-000000000002',
    'c0000000-0000-4000-8000-000000000003',
  ];

  it('fails only the requests naming the busy game, as busy (retried), unless they also name a missing one (404)', () => {
    const group = [
      [event('e1', a)],
      [event('e2', b)],
      [event('e3', a), event('e4', c)],
      [event('e5', b), event('e6', c)],
    ];
    const settled = outcomes(group, [
      { kind: 'inserted', req: 1, id: '11', event_id: 'e2', sequence: '7' },
      { kind: 'busy_game', req: null, id: a, event_id: null, sequence: null },
      { kind: 'missing_game', req: null, id: c, event_id: null, sequence: null },
    ]);
    const first = settled[0];
    assert.ok(first && !first.ok && first.error instanceof GameBusyError, 'busy: retried');
    assert.deepEqual(first.error.gameIds, [a]);
    assert.deepEqual(settled[1], { ok: true, value: [{ outboxId: '11', eventId: 'e2', sequence: 7 }] });
    assert.ok(
      settled[2]?.ok === false && !(settled[2].error instanceof GameBusyError),
      'busy and missing: not found',
    );
    assert.ok(settled[3]?.ok === false && !(settled[3].error instanceof GameBusyError), 'missing: not found');
  });
});

interface AcceptedBody {
  sequence: number | null;
}

describe('ingest with a game row locked by another transaction (real PostgreSQL)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let holder: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub, { INGEST_BUSY_WAIT_MS: '1000' });
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
  });
  after(async () => {
    await holder.end();
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('holds only the requests naming the locked game: others answer at once, it gets 503 game_busy + Retry-After', async () => {
    const [locked = '', ...others] = await createGames(pool, 21);
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM games WHERE id = $1 FOR UPDATE', [locked]);
    const url = `${service.url}/v1/events`;
    const busyStarted = performance.now();
    const busy = post(url, exampleEvents(locked)['player_joined']);
    // Ten rounds of one request per other game, concurrent with the locked game's.
    const latencies: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        others.map(async (gameId) => {
          const started = performance.now();
          const res = await post(url, exampleEvents(gameId)['vote_cast']);
          latencies.push(performance.now() - started);
          assert.equal(res.status, 202, JSON.stringify(res.body));
        }),
      );
    }
    const refused = await busy;
    const busyMs = performance.now() - busyStarted;
    await holder.query('ROLLBACK');
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    console.log(
      `    other games: ${latencies.length} requests, p99 ${Math.round(p99)} ms; locked game answered ${refused.status} after ${Math.round(busyMs)} ms`,
    );
    assert.ok(p99 < 500, `others not held behind the lock: p99 ${p99} ms`);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal((refused.body as { error: { code: string } }).error.code, 'game_busy');
    assert.deepEqual((refused.body as { error: { details: { gameIds: string[] } } }).error.details.gameIds, [
      locked,
    ]);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.ok(busyMs >= 900 && busyMs < 3000, `answered after the 1 s budget: ${busyMs} ms`);

    // Nothing of the refused request was written; the others have contiguous sequences.
    const written = await pool.query<{ game_id: string; n: number; max: number }>(
      'SELECT game_id::text, count(*)::int AS n, max(sequence)::int AS max FROM realtime_outbox GROUP BY game_id',
    );
    assert.equal(
      written.rows.find((r) => r.game_id === locked),
      undefined,
      'nothing for the locked game',
    );
    for (const r of written.rows)
      assert.deepEqual([r.n, r.max], [10, 10], `contiguous sequences of ${r.game_id}`);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.ok(
      (metricValue(metrics, 'sketchyaf_realtime_ingest_busy_retries_total') ?? 0) >= 5,
      'retries counted',
    );
    assert.ok(
      (metricValue(metrics, 'sketchyaf_realtime_ingest_events_rejected_total', 'reason="game_busy"') ?? 0) >=
        1,
      'refusal counted by reason',
    );
  });

  it('writes a request that met a short lock once the lock is gone, with the next sequence', async () => {
    const [gameId = ''] = await createGames(pool, 1);
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM games WHERE id = $1 FOR UPDATE', [gameId]);
    const busyRetries = async (): Promise<number> =>
      metricValue(
        await (await fetch(`${service.url}/metrics`)).text(),
        'sketchyaf_realtime_ingest_busy_retries_total',
      ) ?? 0;
    const before = await busyRetries();
    const pending = post(`${service.url}/v1/events`, exampleEvents(gameId)['player_joined']);
    // Released only once the request was sent to a later group, so it did meet the lock.
    await waitFor('the request held back by the lock', async () =>
      (await busyRetries()) > before ? true : undefined,
    );
    await holder.query('COMMIT');
    const res = await pending;
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal((res.body as AcceptedBody).sequence, 1);
    const next = await post(`${service.url}/v1/events`, exampleEvents(gameId)['vote_cast']);
    assert.equal((next.body as AcceptedBody).sequence, 2);
  });

  it('still answers 404 for an unknown game, not busy', async () => {
    const res = await post(
      `${service.url}/v1/events`,
      exampleEvents('6f1c0d7e-0000-4000-8000-00000000dead')['player_joined'],
    );
    assert.equal(res.status, 404, JSON.stringify(res.body));
  });
});
