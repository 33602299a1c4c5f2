import { strict as assert } from 'node:assert';
import pg from 'pg';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '@sketchyaf/broadcaster';
import { createSilentLogger } from '@sketchyaf/core';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { subscribeToGames, type GameWatcher, type ReceivedEvent } from '../src/demoSubscriber.ts';
import { developmentPubnubSecretKey } from '../src/localStackConfig.ts';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';

const apiToken = 'demo-test-token-0123456789';

describe("npm start's demo subscriber with Access Manager on", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let watcher: GameWatcher | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pubnub = await startPubnubLocal({ port: 0, secretKey: developmentPubnubSecretKey });
    broadcaster = await startBroadcaster(
      loadBroadcasterConfig({
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        PUBNUB_SECRET_KEY: developmentPubnubSecretKey,
        PORT: '0',
        LOG_LEVEL: 'silent',
        BROADCAST_API_TOKENS: apiToken,
        RELAY_POLL_INTERVAL_MS: '200',
      }),
      { logger: createSilentLogger('broadcaster') },
    );
  });
  after(async () => {
    watcher?.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
  });

  it('reads the games it watches with a token from POST /v1/access-tokens', async () => {
    const received: ReceivedEvent[] = [];
    watcher = subscribeToGames({
      origin: pubnub.url,
      subscribeKey: 'sub-c-local',
      access: { broadcasterUrl: broadcaster.url, apiToken },
      onEvent: (event) => received.push(event),
    });
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds) SELECT 1 FROM generate_series(1, 2) RETURNING id',
    );
    const ids = rows.map((r) => r.id);
    const polls = pubnub.stats().totals.subscribePolls;
    await watcher.watch(ids);
    // Subscribed once the handshake poll was answered and the next one came: events from now on reach it.
    await waitFor('the subscription in place', () =>
      pubnub.stats().totals.subscribePolls >= polls + 2 ? true : undefined,
    );
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids]);
    await waitFor('the first phase change of both games', () =>
      new Set(received.map((e) => e.gameId)).size === 2 ? true : undefined,
    );
    assert.deepEqual(
      [...new Set(received.map((e) => e.channel))].sort(),
      ids.map((id) => `game.${id}`).sort(),
    );
  });
});
