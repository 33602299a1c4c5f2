// The client against a real broadcaster (real PostgreSQL, pubnub-local, a real
// `pubnub` SDK subscriber), including a retry after the connection was cut
// between the server's write and the client's reading of the answer.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import {
  createTestDatabase,
  startTcpProxy,
  waitFor,
  type TcpProxy,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { apiToken, createGames, startTestBroadcaster, Subscriber } from '@sketchyaf/broadcaster/testing';
import {
  createClient,
  RealtimeApiError,
  type RealtimeClient,
  type RealtimeEvent,
  type RetryInfo,
} from '../src/index.ts';

describe('client against a real broadcaster', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let realtime: RealtimeClient;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    broadcaster = await startTestBroadcaster(db.url, pubnub);
    realtime = createClient({ baseUrl: broadcaster.url, token: apiToken });
  });
  after(async () => {
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
  });

  const vote = (gameId: string, drawingId: string): RealtimeEvent => ({
    type: 'vote_cast',
    gameId,
    data: { voterId: 'p2', drawingId, round: 1 },
  });
  const rowsWith = async (drawingId: string): Promise<number> => {
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM realtime_outbox WHERE payload->>'drawingId' = $1",
      [drawingId],
    );
    return rows[0]?.n ?? -1;
  };
  const failure = (promise: Promise<unknown>): Promise<RealtimeApiError> =>
    promise.then(
      () => assert.fail('expected an error'),
      (err: unknown) => {
        assert.ok(err instanceof RealtimeApiError, String(err));
        return err;
      },
    );

  it('send: accepted with its eventId, channel and sequence', async () => {
    const [game = ''] = await createGames(pool, 1);
    const result = await realtime.send(vote(game, 'send-1'));
    assert.match(result.eventId, /^[0-9a-f-]{36}$/);
    assert.equal(result.channel, `game.${game}`);
    assert.equal(result.sequence, 1);
    assert.equal(result.replayed, false);
    assert.equal(result.attempts, 1);
    assert.equal(result.deliveryState, undefined, 'not asked to wait');
    assert.equal(await rowsWith('send-1'), 1);
  });

  it('sendBatch with waitForDelivery: every event published, with its timetoken, in order', async () => {
    const [game = ''] = await createGames(pool, 1);
    const result = await realtime.sendBatch([vote(game, 'batch-1'), vote(game, 'batch-2')], {
      waitForDelivery: { timeoutMs: 8000 },
    });
    assert.deepEqual(
      result.events.map((e) => [e.sequence, e.deliveryState]),
      [
        [1, 'published'],
        [2, 'published'],
      ],
    );
    for (const e of result.events) assert.match(e.timetoken ?? '', /^\d{17}$/);
    const user = await realtime.send(
      { type: 'user_notification', userId: 'alice', data: { kind: 'friend_invite', title: 'Hi' } },
      { waitForDelivery: true },
    );
    assert.equal(user.channel, 'user.alice');
    assert.equal(user.sequence, null, 'user channels are not sequenced');
    assert.equal(user.deliveryState, 'published');
  });

  it('the same key again: the same eventId and sequence, marked replayed; another body: idempotency_reused', async () => {
    const [game = ''] = await createGames(pool, 1);
    const first = await realtime.send(vote(game, 'replay-1'), { idempotencyKey: 'client-replay' });
    const again = await realtime.send(vote(game, 'replay-1'), { idempotencyKey: 'client-replay' });
    assert.equal(again.replayed, true);
    assert.deepEqual([again.eventId, again.sequence, again.requestId], [first.eventId, 1, first.requestId]);
    const reused = await failure(realtime.send(vote(game, 'replay-2'), { idempotencyKey: 'client-replay' }));
    assert.deepEqual(
      [reused.status, reused.kind, reused.code],
      [422, 'idempotency_reused', 'idempotency_key_reused'],
    );
    assert.equal(reused.attempts, 1, 'not retried');
    assert.equal(await rowsWith('replay-1'), 1);
    assert.equal(await rowsWith('replay-2'), 0);
  });

  it('typed errors: validation with the field, unknown game, 401 and 403', async () => {
    const [game = ''] = await createGames(pool, 1);
    const invalid = await failure(
      realtime.send({ type: 'vote_cast', gameId: game, data: { voterId: 'p2', drawingId: 'd', round: 0 } }),
    );
    assert.deepEqual([invalid.status, invalid.kind, invalid.code], [400, 'validation', 'validation_failed']);
    assert.match(JSON.stringify(invalid.details), /data\.round/);
    assert.match(invalid.requestId ?? '', /.+/);

    const unknown = await failure(realtime.send(vote('00000000-0000-4000-8000-000000000000', 'nf')));
    assert.deepEqual([unknown.status, unknown.kind], [404, 'not_found']);

    const stranger = createClient({ baseUrl: broadcaster.url, token: 'not-a-known-token' });
    const forbidden = await failure(stranger.send(vote(game, 'x')));
    assert.deepEqual([forbidden.status, forbidden.kind, forbidden.code], [403, 'auth', 'forbidden']);

    // A proxy that drops the Authorization header: the broadcaster's 401.
    const stripped = createClient({
      baseUrl: broadcaster.url,
      token: apiToken,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete('authorization');
        return fetch(input, { ...init, headers });
      },
    });
    const unauthorized = await failure(stripped.send(vote(game, 'x')));
    assert.deepEqual(
      [unauthorized.status, unauthorized.kind, unauthorized.code],
      [401, 'auth', 'unauthorized'],
    );
    assert.equal(await rowsWith('x'), 0);
  });

  describe("a broadcaster with API clients: the client's scopes and rate limit", () => {
    const lobbyToken = 'client-test-lobby-token-0123';
    const slowToken = 'client-test-slow-token-01234';
    let scoped: BroadcasterService;

    before(async () => {
      scoped = await startTestBroadcaster(db.url, pubnub, {
        RELAY_ENABLED: 'false',
        BROADCAST_API_CLIENTS: JSON.stringify([
          { name: 'lobby', tokens: [lobbyToken], scopes: ['events:user'] },
          {
            name: 'slow',
            tokens: [slowToken],
            scopes: ['events:game'],
            rateLimit: { eventsPerSecond: 1, burst: 100 },
          },
        ]),
      });
    });
    after(() => scoped?.stop());

    it('a missing scope is kind scope, never retried, and names the scope', async () => {
      const [game = ''] = await createGames(pool, 1);
      const lobby = createClient({ baseUrl: scoped.url, token: lobbyToken });
      const refused = await failure(lobby.send(vote(game, 'scope-1')));
      assert.deepEqual(
        [refused.status, refused.kind, refused.code, refused.attempts],
        [403, 'scope', 'insufficient_scope', 1],
      );
      assert.equal((refused.details as { missingScope?: unknown }).missingScope, 'events:game');
      assert.equal(await rowsWith('scope-1'), 0);
    });

    it('over the rate limit: 429 retried after its Retry-After, then accepted once', async () => {
      const [game = ''] = await createGames(pool, 1);
      const retries: RetryInfo[] = [];
      const slow = createClient({
        baseUrl: scoped.url,
        token: slowToken,
        onRetry: (info) => retries.push(info),
      });
      await slow.sendBatch(Array.from({ length: 100 }, (_, i) => vote(game, `burst-${i}`)));
      const started = performance.now();
      const sent = await slow.send(vote(game, 'limited-1'));
      assert.ok(sent.attempts >= 2, `attempts ${sent.attempts}`);
      assert.equal(retries[0]?.error.kind, 'rate_limited');
      assert.ok((retries[0]?.delayMs ?? 0) >= 1000, `waited ${retries[0]?.delayMs} ms, Retry-After is 1 s`);
      assert.ok(performance.now() - started >= 1000);
      assert.equal(await rowsWith('limited-1'), 1);
    });
  });

  describe('a connection cut after the server wrote the event', () => {
    let proxy: TcpProxy;
    let subscriber: Subscriber;

    before(async () => {
      const { hostname, port } = new URL(broadcaster.url);
      proxy = await startTcpProxy({ host: hostname, port: Number(port) });
      subscriber = new Subscriber(pubnub, 'client-cut-test');
    });
    after(async () => {
      subscriber?.stop();
      await proxy?.close();
    });

    it('the retry with the same key is answered from the first write: one outbox row, one event at the subscriber', async () => {
      const [game = ''] = await createGames(pool, 1);
      await subscriber.subscribe([`game.${game}`]);
      const retries: RetryInfo[] = [];
      const client = createClient({
        baseUrl: `http://${proxy.host}:${proxy.port}`,
        token: apiToken,
        retry: { baseDelayMs: 50 },
        onRetry: (retry) => {
          retries.push(retry);
          // Heal before the retry: the first attempt's answer was lost, the next one gets through.
          void proxy.setMode('forward');
        },
      });
      await proxy.setMode('cut-responses');
      const result = await client.send(vote(game, 'cut-1'), { waitForDelivery: { timeoutMs: 8000 } });

      assert.equal(retries.length, 1);
      assert.equal(retries[0]?.error.kind, 'network', retries[0]?.error.message);
      assert.equal(result.attempts, 2);
      assert.equal(result.replayed, true, 'the retry was answered from the first write');
      assert.equal(result.sequence, 1);
      assert.equal(result.deliveryState, 'published');
      // A fence: the game's events are published in sequence order, so a duplicate of the
      // first, were there one, reaches the subscriber before the next event does.
      const fence = await client.send(vote(game, 'cut-fence'), { waitForDelivery: { timeoutMs: 8000 } });
      await waitFor('the fence event at the subscriber', () =>
        subscriber.messages.some((m) => m.envelope.eventId === fence.eventId) ? true : undefined,
      );
      const seen = subscriber.messages.filter((m) => m.envelope.gameId === game);
      assert.deepEqual(
        seen.map((m) => [m.envelope.eventId, m.envelope.sequence]),
        [
          [result.eventId, 1],
          [fence.eventId, 2],
        ],
        'exactly one event at the subscriber, then the fence',
      );
      assert.equal(await rowsWith('cut-1'), 1, 'one outbox row');
    });
  });
});
