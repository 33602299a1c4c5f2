import { strict as assert } from 'node:assert';
import pg from 'pg';
import { captureLogs, createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '../src/index.ts';
import { adminToken, apiToken, createGames } from './helpers.ts';

describe('relay logs: errors with their stack, lines naming the event (real PostgreSQL, pubnub-local)', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });
  after(async () => {
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('a dead letter the database refuses is logged with the stack and the event, game and request', async () => {
    const { logger, lines } = captureLogs('broadcaster');
    // The dead-letter write fails until the trigger is dropped (a database refusing the UPDATE).
    await pool.query(`CREATE FUNCTION test_refuse_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'dead letters refused by the test'; END $$`);
    await pool.query(`CREATE TRIGGER test_refuse_dead_letter BEFORE UPDATE ON realtime_outbox FOR EACH ROW
      WHEN (NEW.dead_lettered_at IS NOT NULL) EXECUTE FUNCTION test_refuse_dead_letter()`);
    const [gameId = ''] = await createGames(pool, 1);
    // An event PubNub refuses (413: over its 32 KiB limit), written behind the API's back.
    const { rows } = await pool.query<{ event_id: string; id: string }>(
      `WITH seq AS (UPDATE games SET last_event_sequence = last_event_sequence + 1 WHERE id = $1 RETURNING last_event_sequence)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
       SELECT $1, last_event_sequence, 'player_joined', 'game.' || $1, jsonb_build_object('blob', repeat('x', 40000)), 'req-logs-test', 'database'
       FROM seq RETURNING event_id::text, id::text`,
      [gameId],
    );
    const eventId = rows[0]?.event_id ?? '';
    const config = loadBroadcasterConfig({
      DATABASE_URL: db.url,
      PUBNUB_ORIGIN: pubnub.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      BROADCAST_API_TOKENS: apiToken,
      BROADCAST_ADMIN_TOKENS: adminToken,
      RELAY_POLL_INTERVAL_MS: '500',
    });
    service = await startBroadcaster(config, { logger });

    const failed = await waitFor('the failed dead-letter line', () =>
      lines.find((l) => l['message'] === 'dead-lettering failed; retrying'),
    );
    assert.equal(failed['eventId'], eventId);
    assert.equal(failed['gameId'], gameId);
    assert.equal(failed['requestId'], 'req-logs-test');
    assert.equal(failed['outboxId'], rows[0]?.id);
    const err = failed['err'] as { message: string; stack: string; code: string };
    assert.match(err.message, /dead letters refused by the test/);
    assert.match(err.stack, /dead letters refused by the test[^]*\n\s+at /, 'the stack is in the line');
    assert.equal(err.code, 'P0001');

    await pool.query('DROP TRIGGER test_refuse_dead_letter ON realtime_outbox');
    const dead = await waitFor('the dead-lettered line', () =>
      lines.find((l) => l['message'] === 'event dead-lettered: PubNub refused it'),
    );
    assert.equal(dead['eventId'], eventId);
    assert.equal(dead['gameId'], gameId);
    assert.equal(dead['requestId'], 'req-logs-test');
  });
});
