import { strict as assert } from 'node:assert';
import pg from 'pg';
import PubNub from 'pubnub';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { sealMetaKey } from '../src/access/catchupSeal.ts';
import type { BroadcasterService, Envelope } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { buildOpenApiDocument } from '../src/http/openapiDocument.ts';
import { createGames, post, startTestBroadcaster } from './helpers.ts';
import { OpenApiValidator } from './openapiValidator.ts';

const secretKey = 'sec-c-test-only';
const grantToken = 'grant-token-0123456789abcdef';
const readerToken = 'reader-token-0123456789abcdef';
const eventsOnlyToken = 'events-only-token-0123456789';

const validator = new OpenApiValidator(buildOpenApiDocument());

interface Page {
  gameId: string;
  events: Envelope[];
  hasMore: boolean;
}

async function get(
  url: string,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, {
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
  const answer = { status: res.status, body: await res.json(), headers: res.headers };
  assert.deepEqual(
    validator.responseProblems(
      'get',
      '/v1/games/{gameId}/events',
      answer.status,
      answer.body,
      answer.headers,
    ),
    [],
  );
  return answer;
}

function codeOf(body: unknown): string | undefined {
  return (body as { error?: { code?: string } }).error?.code;
}

describe('GET /v1/games/:id/events (catch-up)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let pool: pg.Pool;
  let gameA = '';
  let gameB = '';
  let playerToken = '';

  before(async () => {
    db = await createTestDatabase();
    pubnub = await startPubnubLocal({ port: 0, secretKey });
    service = await startTestBroadcaster(db.url, pubnub, {
      PUBNUB_SECRET_KEY: secretKey,
      BROADCAST_API_CLIENTS: JSON.stringify([
        { name: 'grants', tokens: [grantToken], scopes: ['tokens:grant', 'events:game'] },
        { name: 'reader', tokens: [readerToken], scopes: ['events:read'] },
        { name: 'events-only', tokens: [eventsOnlyToken], scopes: ['events:game', 'events:user'] },
      ]),
      RELAY_ENABLED: 'false',
    });
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    [gameA = '', gameB = ''] = await createGames(pool, 2);
    for (const game of [gameA, gameB]) {
      const events = Array.from({ length: 5 }, () => exampleEvents(game)['vote_cast']);
      const res = await post(
        `${service.url}/v1/events/batch`,
        { events },
        { authorization: `Bearer ${grantToken}` },
      );
      assert.equal(res.status, 202, JSON.stringify(res.body));
    }
    const grant = await post(
      `${service.url}/v1/access-tokens`,
      { userId: 'alice', gameIds: [gameA.toUpperCase()], ttlMinutes: 5 },
      { authorization: `Bearer ${grantToken}` },
    );
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    playerToken = (grant.body as { token: string }).token;
  });
  after(async () => {
    await pool?.end();
    await service?.stop();
    await pubnub?.stop();
    await db?.drop();
  });

  it('pages through a game in sequence order with the envelopes the relay publishes', async () => {
    const first = await get(`${service.url}/v1/games/${gameA}/events?limit=3`, playerToken);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const page = first.body as Page;
    assert.equal(page.gameId, gameA);
    assert.deepEqual(
      page.events.map((e) => e.sequence),
      [1, 2, 3],
    );
    assert.equal(page.hasMore, true);
    const envelope = page.events[0];
    assert.equal(envelope?.version, '2.0.0');
    assert.equal(envelope?.gameId, gameA);
    assert.equal(envelope?.type, 'vote_cast');
    assert.deepEqual(Object.keys(envelope ?? {}), [
      'version',
      'eventId',
      'type',
      'gameId',
      'sequence',
      'occurredAt',
      'requestId',
      'source',
      'data',
    ]);
    const rest = (await get(`${service.url}/v1/games/${gameA}/events?after=3`, playerToken)).body as Page;
    assert.deepEqual(
      rest.events.map((e) => e.sequence),
      [4, 5],
    );
    assert.equal(rest.hasMore, false);
    const { rows } = await pool.query<{ event_id: string }>(
      'SELECT event_id::text FROM realtime_outbox WHERE game_id = $1 ORDER BY sequence',
      [gameA],
    );
    assert.deepEqual(
      [...page.events, ...rest.events].map((e) => e.eventId),
      rows.map((r) => r.event_id),
    );
  });

  it("refuses a player token for another game's events (403) and reads any game with events:read", async () => {
    const other = await get(`${service.url}/v1/games/${gameB}/events`, playerToken);
    assert.equal(other.status, 403);
    assert.equal(codeOf(other.body), 'forbidden');
    const reader = await get(`${service.url}/v1/games/${gameB}/events`, readerToken);
    assert.equal(reader.status, 200);
    assert.equal((reader.body as Page).events.length, 5);
  });

  it('refuses a client without events:read (403), no token (401), a forged token (403) and a bad query (400)', async () => {
    const scoped = await get(`${service.url}/v1/games/${gameA}/events`, eventsOnlyToken);
    assert.equal(scoped.status, 403);
    assert.equal(codeOf(scoped.body), 'insufficient_scope');
    const anonymous = await get(`${service.url}/v1/games/${gameA}/events`, null);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    const garbage = await get(`${service.url}/v1/games/${gameA}/events`, 'not-a-token');
    assert.equal(garbage.status, 403);
    const bad = await get(`${service.url}/v1/games/not-a-uuid/events?limit=5000&after=-1`, readerToken);
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort(),
      ['path.gameId', 'query.after', 'query.limit'],
    );
  });

  it('trusts a PubNub token only with its seal, for the games and user it was made for', async () => {
    const sdk = new PubNub({
      subscribeKey: 'sub-c-local',
      publishKey: 'pub-c-local',
      secretKey,
      userId: 'forger',
      origin: pubnub.origin,
      ssl: false,
    });
    try {
      const meta = sdk.parseToken(playerToken)?.meta as Record<string, unknown> | undefined;
      const seal = meta?.[sealMetaKey];
      assert.equal(typeof seal, 'string');
      const grant = (gameIds: string[], meta: Record<string, string>): Promise<string> =>
        sdk.grantToken({
          ttl: 5,
          authorized_uuid: 'alice',
          resources: { channels: Object.fromEntries(gameIds.map((id) => [`game.${id}`, { read: true }])) },
          meta,
        });
      // Valid for PubNub, but granted by someone else: no seal.
      const unsealed = await get(`${service.url}/v1/games/${gameA}/events`, await grant([gameA], {}));
      assert.equal(unsealed.status, 403);
      // Alice's seal moved onto a token that also names game B.
      const widened = await grant([gameA, gameB], { [sealMetaKey]: String(seal) });
      assert.equal((await get(`${service.url}/v1/games/${gameA}/events`, widened)).status, 403);
      // The same seal on the same user and games is the credential itself (a copy of it).
      const copy = await grant([gameA], { [sealMetaKey]: String(seal) });
      assert.equal((await get(`${service.url}/v1/games/${gameA}/events`, copy)).status, 200);
    } finally {
      sdk.destroy(true);
    }
  });

  it('rate limits each player token (429 with Retry-After)', async () => {
    let limited: { status: number; headers: Headers } | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await get(`${service.url}/v1/games/${gameA}/events?limit=1`, playerToken);
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 200);
    }
    assert.ok(limited, 'no 429 within 40 requests');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const reader = await get(`${service.url}/v1/games/${gameA}/events?limit=1`, readerToken);
    assert.equal(reader.status, 200, 'another credential has its own bucket');
  });

  it('answers a browser preflight for GET from an allowed origin', async () => {
    const res = await fetch(`${service.url}/v1/games/${gameA}/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://play.example.com', 'access-control-request-method': 'GET' },
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  });
});
