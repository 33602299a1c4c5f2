import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/devstack/testing';
import { launchBroadcaster, loadBroadcasterConfig } from '../src/index.ts';
import { apiToken } from './helpers.ts';

describe('broadcaster on a database without its schema', function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;

  before(async () => {
    db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // The database exists and answers, but its migrations were never applied.
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    } finally {
      await client.end();
    }
  });
  after(async () => {
    await db?.drop();
  });

  it('stops itself: started and done reject with a message that says what to do', async () => {
    assert.ok(db);
    const config = loadBroadcasterConfig({
      DATABASE_URL: db.url,
      // Never reached: the start gives up before the relay runs.
      PUBNUB_ORIGIN: 'http://127.0.0.1:9',
      PORT: '0',
      LOG_LEVEL: 'silent',
      BROADCAST_API_TOKENS: apiToken,
      DB_SCHEMA_WAIT_ATTEMPTS: '2',
    });
    await using broadcaster = await launchBroadcaster(config, { logger: createSilentLogger('broadcaster') });
    const schemaMissing =
      /database schema: the database schema is missing after 2 attempts \(relation "games" does not exist, 42P01\): apply the migrations/;
    await assert.rejects(broadcaster.started, schemaMissing);
    await assert.rejects(broadcaster.done, schemaMissing);
    assert.deepEqual(broadcaster.unreleased(), [], 'everything released');
    await assert.rejects(fetch(`${broadcaster.url}/livez`), 'its HTTP server is closed');
  });
});
