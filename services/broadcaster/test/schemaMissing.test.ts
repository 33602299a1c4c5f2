import { strict as assert } from 'node:assert';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, dropSchema, type TestDatabase } from '@sketchyaf/testkit';
import { launchBroadcaster, loadBroadcasterConfig } from '../src/index.ts';
import { apiToken } from './helpers.ts';

/** The database exists and answers, but its migrations were never applied (or were undone). */
function testConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadBroadcasterConfig({
    DATABASE_URL: databaseUrl,
    // Never reached: there is nothing to publish.
    PUBNUB_ORIGIN: 'http://127.0.0.1:9',
    PORT: '0',
    LOG_LEVEL: 'silent',
    BROADCAST_API_TOKENS: apiToken,
    DB_SCHEMA_WAIT_ATTEMPTS: '2',
    ...env,
  });
}

describe('broadcaster on a database without its schema', function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;

  before(async () => {
    db = await createTestDatabase();
    await dropSchema(db);
  });
  after(async () => {
    await db?.drop();
  });

  it('stops itself: started and done reject with a message that says what to do', async () => {
    assert.ok(db);
    const config = testConfig(db.url);
    await using broadcaster = await launchBroadcaster(config, { logger: createSilentLogger('broadcaster') });
    const schemaMissing =
      /database schema: the database schema is missing after 2 attempts \(relation "games" does not exist, 42P01\): apply the migrations/;
    await assert.rejects(broadcaster.started, schemaMissing);
    await assert.rejects(broadcaster.done, schemaMissing);
    assert.deepEqual(broadcaster.unreleased(), [], 'everything released');
    await assert.rejects(fetch(`${broadcaster.url}/livez`), 'its HTTP server is closed');
  });

  it('a schema dropped while it runs: the relay gives up after the same number of failed claims in a row', async () => {
    const running = await createTestDatabase();
    try {
      const config = testConfig(running.url, { RELAY_POLL_INTERVAL_MS: '100' });
      await using broadcaster = await launchBroadcaster(config, {
        logger: createSilentLogger('broadcaster'),
      });
      await broadcaster.started;
      await dropSchema(running);
      await assert.rejects(
        broadcaster.done,
        /^SchemaMissingError: outbox relay: claiming outbox events failed: the database schema is missing after 2 attempts \((function realtime_relay_awake\(unknown\)|relation "realtime_outbox") does not exist, 42(883|P01)\)/,
      );
      assert.deepEqual(broadcaster.unreleased(), []);
    } finally {
      await running.drop();
    }
  });
});
