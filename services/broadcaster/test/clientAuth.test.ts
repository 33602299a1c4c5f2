import { strict as assert } from 'node:assert';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createHttpApp, createSilentLogger, currentLogContext, startHttpServer } from '@sketchyaf/core';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { tokenHash } from '../src/auth/clients.ts';
import { bearerAuth } from '../src/http/auth.ts';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { adminToken, apiToken, createGames, metricValue, post, startTestBroadcaster } from './helpers.ts';

const lobbyOld = 'lobby-token-old-0123456789';
const lobbyNew = 'lobby-token-new-0123456789';
const joinsToken = 'joins-token-0123456789abc';
const slowToken = 'slow-token-0123456789abcd';
const opsToken = 'ops-token-0123456789abcde';

/** The README's shape: a rotation in progress (old plaintext, new as a hash), narrow scopes, own limits. */
const clients = [
  { name: 'lobby', tokens: [lobbyOld, `sha256:${tokenHash(lobbyNew)}`], scopes: ['events:game'] },
  { name: 'joins', tokens: [joinsToken], scopes: ['event:player_joined'] },
  {
    name: 'slow',
    tokens: [slowToken],
    scopes: ['events:game'],
    rateLimit: { eventsPerSecond: 1, burst: 100 },
  },
  { name: 'ops', tokens: [opsToken], scopes: ['admin'] },
];

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> | null };
}
interface Answer {
  eventId: string;
  sequence: number | null;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('API clients: scopes, rotation, rate limits (real broadcaster)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let game = '';

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub, {
      BROADCAST_API_CLIENTS: JSON.stringify(clients),
    });
    [game = ''] = await createGames(pool, 1);
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  const events = (): Record<string, Record<string, unknown>> => exampleEvents(game);
  const outboxRows = async (): Promise<number> =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM realtime_outbox')).rows[0]?.n ?? -1;
  const admin = (token: string): Promise<Response> =>
    fetch(`${service.url}/admin/dead-letters`, { headers: bearer(token) });

  it('a plain BROADCAST_API_TOKENS token posts game and user events, and is refused the admin API', async () => {
    for (const type of ['vote_cast', 'presence_heartbeat', 'user_notification'])
      assert.equal((await post(`${service.url}/v1/events`, events()[type])).status, 202, type);
    const refused = await admin(apiToken);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as ErrorBody;
    assert.equal(body.error.code, 'insufficient_scope');
    assert.deepEqual(body.error.details, { missingScope: 'admin', client: 'default' });
    assert.match(body.error.message, /scope admin/);
  });

  it('the admin scope opens the admin API and nothing else', async () => {
    assert.equal((await admin(adminToken)).status, 200, 'BROADCAST_ADMIN_TOKENS');
    assert.equal((await admin(opsToken)).status, 200, 'a client with the admin scope');
    const ingest = await post(`${service.url}/v1/events`, events()['vote_cast'], bearer(opsToken));
    assert.equal(ingest.status, 403);
    assert.deepEqual((ingest.body as ErrorBody).error.details, {
      missingScope: 'events:game',
      client: 'ops',
      type: 'vote_cast',
      path: '(body)',
    });
    assert.equal((await admin('not-a-known-token-at-all')).status, 403);
  });

  it('a token without the scope: 403 naming it; a batch needs every event allowed, and writes none', async () => {
    const single = await post(`${service.url}/v1/events`, events()['user_notification'], bearer(lobbyOld));
    assert.equal(single.status, 403, JSON.stringify(single.body));
    const error = (single.body as ErrorBody).error;
    assert.equal(error.code, 'insufficient_scope');
    assert.match(error.message, /lacks the scope events:user \(or event:user_notification\)/);
    assert.deepEqual(error.details, {
      missingScope: 'events:user',
      client: 'lobby',
      type: 'user_notification',
      path: '(body)',
    });

    const before = await outboxRows();
    const batch = await post(
      `${service.url}/v1/events/batch`,
      { events: [events()['vote_cast'], events()['user_notification']] },
      bearer(lobbyOld),
    );
    assert.equal(batch.status, 403);
    assert.equal((batch.body as ErrorBody).error.details?.['path'], 'events.1');
    assert.equal(await outboxRows(), before, 'nothing written');

    assert.equal(
      (await post(`${service.url}/v1/events`, events()['player_joined'], bearer(joinsToken))).status,
      202,
      'event:player_joined',
    );
    const other = await post(`${service.url}/v1/events`, events()['vote_cast'], bearer(joinsToken));
    assert.equal(other.status, 403);
    assert.equal((other.body as ErrorBody).error.details?.['missingScope'], 'events:game');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_ingest_events_rejected_total',
        'reason="insufficient_scope",client="lobby"',
      ),
      3,
      'a refused batch counts each event',
    );
  });

  it('rotation: both tokens of a client work (the new one configured as a hash) and share its idempotency keys', async () => {
    const body = events()['drawing_submitted'];
    const first = await post(`${service.url}/v1/events`, body, {
      ...bearer(lobbyOld),
      'idempotency-key': 'rotate-1',
    });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const retry = await post(`${service.url}/v1/events`, body, {
      ...bearer(lobbyNew),
      'idempotency-key': 'rotate-1',
    });
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(
      [(retry.body as Answer).eventId, (retry.body as Answer).sequence],
      [(first.body as Answer).eventId, (first.body as Answer).sequence],
    );
    const { rows } = await pool.query<{ scope: string }>(
      "SELECT scope FROM realtime_ingest_keys WHERE key = 'rotate-1'",
    );
    assert.deepEqual(rows, [{ scope: 'client:lobby' }]);
    const unknown = await post(`${service.url}/v1/events`, body, bearer(`sha256:${tokenHash(lobbyNew)}`));
    assert.equal(unknown.status, 403, 'the hash itself is not a token');
  });

  it('over the rate limit: 429 rate_limited with Retry-After; other clients unaffected', async () => {
    const started = performance.now();
    const full = await post(
      `${service.url}/v1/events/batch`,
      { events: Array.from({ length: 100 }, () => events()['vote_cast']) },
      bearer(slowToken),
    );
    assert.equal(full.status, 202, 'a full batch fits the burst');
    // The bucket refills 1 event/s from the batch on: a slow machine may see one pass per elapsed second.
    let over = await post(`${service.url}/v1/events`, events()['vote_cast'], bearer(slowToken));
    let passed = 0;
    while (over.status === 202 && passed < 5) {
      passed += 1;
      over = await post(`${service.url}/v1/events`, events()['vote_cast'], bearer(slowToken));
    }
    assert.ok(passed <= Math.floor((performance.now() - started) / 1000), `${passed} passed over the limit`);
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.headers.get('retry-after'), '1');
    const error = (over.body as ErrorBody).error;
    assert.equal(error.code, 'rate_limited');
    assert.deepEqual(error.details, {
      client: 'slow',
      retryAfterSeconds: 1,
      eventsPerSecond: 1,
      burst: 100,
      cost: 1,
    });
    assert.equal((await post(`${service.url}/v1/events`, events()['vote_cast'])).status, 202, 'default');

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.equal(
      metricValue(metrics, 'sketchyaf_realtime_ingest_rate_limited_requests_total', 'client="slow"'),
      1,
    );
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_ingest_events_accepted_total',
        'type="vote_cast",client="slow"',
      ),
      100,
    );
    assert.ok(!metrics.includes(slowToken) && !metrics.includes(tokenHash(slowToken)), 'no token in metrics');
  });
});

describe('bearerAuth log context', () => {
  it("puts the client's name, never the token, in the context of every log line of the request", async () => {
    const app = createHttpApp({
      logger: createSilentLogger(),
      registry: new Registry(),
      readiness: [],
      routes: (routes) =>
        routes.get(
          '/',
          bearerAuth(
            [{ name: 'lobby', tokenHashes: [tokenHash(lobbyOld)], scopes: [], rateLimit: null }],
            'test',
          ),
          (_req, res) => {
            res.json(currentLogContext() ?? null);
          },
        ),
    });
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${server.url}/`, { headers: bearer(lobbyOld) });
      const context = (await res.json()) as Record<string, unknown>;
      assert.equal(context['client'], 'lobby');
      assert.ok(!JSON.stringify(context).includes(lobbyOld));
      assert.equal((await fetch(`${server.url}/`)).status, 401);
    } finally {
      await server.stop();
    }
  });
});
