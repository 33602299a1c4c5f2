import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { createGames, metricValue, post, startTestBroadcaster, Subscriber } from './helpers.ts';

interface AcceptedBody {
  eventId: string;
  requestId: string;
  channel: string;
  sequence: number | null;
  deliveryState?: string;
  timetoken?: string | null;
}

describe('ingest API (real PostgreSQL, pubnub-local)', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let subscriber: Subscriber | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
  });
  after(async () => {
    subscriber?.stop();
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  const outboxCount = async (): Promise<number> =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM realtime_outbox')).rows[0]?.n ?? -1;

  it('accepts one event: 202 with eventId, requestId, channel and the next game sequence', async () => {
    const [gameId = ''] = await createGames(pool, 1);
    const examples = exampleEvents(gameId);
    const first = await post(`${service.url}/v1/events`, examples['player_joined'], {
      'x-request-id': 'req-abc.1',
    });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const body = first.body as AcceptedBody;
    assert.equal(body.requestId, 'req-abc.1');
    assert.equal(first.headers.get('x-request-id'), 'req-abc.1');
    assert.equal(body.channel, `game.${gameId}`);
    assert.equal(body.sequence, 1);
    const second = await post(`${service.url}/v1/events`, examples['vote_cast']);
    assert.equal((second.body as AcceptedBody).sequence, 2);
    const { rows } = await pool.query<{ source: string; request_id: string; sequence: string; type: string }>(
      'SELECT source, request_id, sequence::text, type FROM realtime_outbox WHERE event_id = $1',
      [body.eventId],
    );
    assert.deepEqual(rows, [
      { source: 'api', request_id: 'req-abc.1', sequence: '1', type: 'player_joined' },
    ]);
  });

  it('shares the per-game sequence with phase changes from the database', async () => {
    const [gameId = ''] = await createGames(pool, 1, { durations: { briefing: 3600 }, start: true });
    const res = await post(`${service.url}/v1/events`, exampleEvents(gameId)['player_joined']);
    assert.equal((res.body as AcceptedBody).sequence, 2, 'phase_changed to briefing took 1');
  });

  it('accepts a batch atomically, sequences in request order', async () => {
    const [a = '', b = ''] = await createGames(pool, 2);
    const events = [
      exampleEvents(a)['player_joined'],
      exampleEvents(b)['player_joined'],
      exampleEvents(a)['vote_cast'],
      exampleEvents(a)['user_notification'],
      exampleEvents(a)['presence_heartbeat'],
    ];
    const res = await post(`${service.url}/v1/events/batch`, { events });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const body = res.body as AcceptedBody[];
    assert.deepEqual(
      body.map((r) => [r.channel, r.sequence]),
      [
        [`game.${a}`, 1],
        [`game.${b}`, 1],
        [`game.${a}`, 2],
        ['user.u-1', null],
        [`presence.${a}`, null],
      ],
    );
    assert.equal(new Set(body.map((r) => r.eventId)).size, 5);
  });

  it('an unknown game is 404 not_found and nothing is written, even in a batch', async () => {
    const [known = ''] = await createGames(pool, 1);
    const unknown = '00000000-0000-4000-8000-000000000001';
    const before = await outboxCount();
    const single = await post(`${service.url}/v1/events`, exampleEvents(unknown)['vote_cast']);
    assert.equal(single.status, 404);
    assert.deepEqual(single.body, {
      error: { code: 'not_found', message: 'Unknown game', details: { gameIds: [unknown] } },
      requestId: single.headers.get('x-request-id'),
    });
    const batch = await post(`${service.url}/v1/events/batch`, {
      events: [exampleEvents(known)['vote_cast'], exampleEvents(unknown)['vote_cast']],
    });
    assert.equal(batch.status, 404);
    assert.equal(await outboxCount(), before);
    const { rows } = await pool.query<{ s: string }>(
      'SELECT last_event_sequence::text AS s FROM games WHERE id = $1',
      [known],
    );
    assert.equal(rows[0]?.s, '0', 'the known game did not consume a sequence');
  });

  it('concurrent requests share group-commit statements, each with its own answer', async () => {
    const games = await createGames(pool, 10);
    const metricsBefore = await (await fetch(`${service.url}/metrics`)).text();
    const statementsBefore = metricValue(metricsBefore, 'sketchyaf_realtime_ingest_commit_events_count') ?? 0;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(`${service.url}/v1/events`, exampleEvents(games[i % 10] ?? '')['vote_cast']),
      ),
    );
    assert.ok(results.every((r) => r.status === 202));
    for (const gameId of games) {
      const sequences = results
        .map((r) => r.body as AcceptedBody)
        .filter((b) => b.channel === `game.${gameId}`)
        .map((b) => b.sequence)
        .sort((x, y) => (x ?? 0) - (y ?? 0));
      assert.deepEqual(
        sequences,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    }
    const metricsAfter = await (await fetch(`${service.url}/metrics`)).text();
    const statements =
      (metricValue(metricsAfter, 'sketchyaf_realtime_ingest_commit_events_count') ?? 0) - statementsBefore;
    assert.ok(statements > 0 && statements < 200, `200 requests took ${statements} statements`);
  });

  it('?wait=published answers 200 with the PubNub timetoken, stored on the row', async () => {
    const [gameId = ''] = await createGames(pool, 1);
    subscriber = new Subscriber(pubnub);
    await subscriber.subscribe([`game.${gameId}`]);
    const res = await post(
      `${service.url}/v1/events?wait=published`,
      exampleEvents(gameId)['drawing_submitted'],
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as AcceptedBody;
    assert.equal(body.deliveryState, 'published');
    assert.match(body.timetoken ?? '', /^\d{17}$/);
    const { rows } = await pool.query<{ tt: string }>(
      'SELECT publish_timetoken::text AS tt FROM realtime_outbox WHERE event_id = $1',
      [body.eventId],
    );
    assert.equal(rows[0]?.tt, body.timetoken);
    const received = await waitFor('the event at the subscriber', () =>
      subscriber?.messages.find((m) => m.envelope.eventId === body.eventId),
    );
    assert.equal(received.envelope.version, '2.0.0');
    assert.equal(received.envelope.source, 'api');
    assert.equal(received.envelope.requestId, body.requestId);
    assert.equal(received.envelope.sequence, 1);
    assert.deepEqual(received.envelope.data, { playerId: 'p1', round: 1, drawingId: 'd-1' });
  });

  it('answers CORS preflights for allowed origins', async () => {
    const res = await fetch(`${service.url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://play.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://play.example.com');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const allowed = await post(
      `${service.url}/v1/events`,
      exampleEvents((await createGames(pool, 1))[0] ?? '')['vote_cast'],
      {
        origin: 'https://play.example.com',
      },
    );
    assert.equal(allowed.status, 202);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://play.example.com');
  });
});
