// The stack the docs' examples run against: what `npm start` runs, on a test
// database and free ports, with npm start's tokens.
import pg from 'pg';
import { loadBroadcasterConfig, startBroadcaster } from '@sketchyaf/broadcaster';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal } from '@sketchyaf/pubnub-local';

/** The doc whose examples set pubnub-local faults. */
const faultsDoc = 'packages/pubnub-local/README.md';

/** npm start's pubnub-local secret key (packages/devstack). */
const developmentPubnubSecretKey = 'sec-c-local';

export interface ExampleStack {
  /** npm start's port → this stack's base URL (`http://127.0.0.1:<port>`). */
  bases: ReadonlyMap<number, string>;
  /** `bases` for the examples of `doc` (relative to the root). */
  basesFor(doc: string): ReadonlyMap<number, string>;
  databaseUrl: string;
  /** Values of the docs' `<name>` placeholders. */
  placeholders: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startExampleStack(): Promise<ExampleStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const db = await createTestDatabase();
    stops.push(() => db.drop());
    // Access Manager on, as npm start runs it: the relay signs, POST /v1/access-tokens grants.
    const pubnub = await startPubnubLocal({ port: 0, secretKey: developmentPubnubSecretKey });
    stops.push(() => pubnub.stop());
    // The fault-injection examples (pubnub-local's README) get a pubnub-local of
    // their own: a 403 or an outage set there must not reach the relay the other
    // examples wait on. The others reach the relay's, as a player's app would.
    const faultsPubnub = await startPubnubLocal({ port: 0 });
    stops.push(() => faultsPubnub.stop());
    const broadcaster = await startBroadcaster(
      loadBroadcasterConfig({
        DATABASE_URL: db.url,
        PUBNUB_ORIGIN: pubnub.url,
        PUBNUB_SECRET_KEY: developmentPubnubSecretKey,
        PORT: '0',
        LOG_LEVEL: 'silent',
        BROADCAST_API_TOKENS: 'dev-token-change-me',
        BROADCAST_ADMIN_TOKENS: 'dev-admin-token-change-me',
        RELAY_POLL_INTERVAL_MS: '500',
      }),
      { logger: createSilentLogger('broadcaster') },
    );
    stops.push(() => broadcaster.stop());

    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query<{ id: string }>('INSERT INTO games DEFAULT VALUES RETURNING id');
      // One dead letter, so that the redrive example has something to send back.
      await pool.query(
        `INSERT INTO realtime_outbox (type, channel, payload, request_id, source, attempts, last_error, dead_lettered_at)
         VALUES ('user_notification', 'user.docs-example', '{"kind":"docs_example","title":"dead letter"}',
                 'docs-example', 'api', 1, 'PubNub 413: seeded by test/docs/exampleStack.ts', clock_timestamp())`,
      );
      const bases = new Map([
        [8080, broadcaster.url],
        [8090, pubnub.url],
      ]);
      const faultBases = new Map([...bases, [8090, faultsPubnub.url]]);
      return {
        bases,
        basesFor: (doc) => (doc === faultsDoc ? faultBases : bases),
        databaseUrl: db.url,
        placeholders: { gameId: rows[0]?.id ?? '' },
        stop,
      };
    } finally {
      await pool.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
