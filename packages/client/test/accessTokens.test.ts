// grantAccessToken against a real broadcaster with Access Manager on (pubnub-local
// with a secret key): the token lets the player's official SDK read its game and
// nothing else.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { apiToken, createGames, startTestBroadcaster, Subscriber } from '@sketchyaf/broadcaster/testing';
import { createClient, RealtimeApiError } from '../src/index.ts';

const secretKey = 'sec-c-client-test';

describe('client: grantAccessToken with Access Manager on (real broadcaster, pubnub-local)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let player: Subscriber | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0, secretKey });
    broadcaster = await startTestBroadcaster(db.url, pubnub, { PUBNUB_SECRET_KEY: secretKey });
  });
  after(async () => {
    player?.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
  });

  it("grants a player's token with which the official SDK receives its game's events", async () => {
    const [game = '', other = ''] = await createGames(pool, 2);
    const realtime = createClient({ baseUrl: broadcaster.url, token: apiToken });
    const granted = await realtime.grantAccessToken({ userId: 'p-1', gameIds: [game], ttlMinutes: 5 });
    assert.deepEqual(granted.channels, [
      `game.${game}`,
      `game.${game}-pnpres`,
      `presence.${game}`,
      'user.p-1',
    ]);
    const minutesLeft = (Date.parse(granted.expiresAt) - Date.now()) / 60_000;
    assert.ok(minutesLeft > 4 && minutesLeft <= 5.1, `expires in ${minutesLeft} min`);

    player = new Subscriber(pubnub, 'p-1');
    player.client.setToken(granted.token);
    await player.subscribe([`game.${game}`, 'user.p-1']);
    await realtime.send({
      type: 'vote_cast',
      gameId: other,
      data: { voterId: 'p2', drawingId: 'x', round: 1 },
    });
    const sent = await realtime.send({
      type: 'vote_cast',
      gameId: game,
      data: { voterId: 'p2', drawingId: 'd-1', round: 1 },
    });
    await waitFor('the granted player receives its game event', () =>
      player?.messages.some((m) => m.envelope.eventId === sent.eventId) === true ? true : undefined,
    );
    assert.ok(
      player.messages.every((m) => m.channel !== `game.${other}`),
      'nothing of a game it was not granted',
    );
  });

  it('refuses bad input typed, never retried', async () => {
    const realtime = createClient({ baseUrl: broadcaster.url, token: apiToken });
    const err = await realtime.grantAccessToken({ userId: 'p 1', gameIds: [] }).then(
      () => assert.fail('expected a 400'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RealtimeApiError);
    assert.deepEqual([err.status, err.kind, err.attempts], [400, 'validation', 1]);
  });
});
