// Runtime control holding the ingest API read-only: writes get 503 with the
// Retry-After the resource sets (core's error handler writes the header for
// every 503 that says when to come back), and nothing refused is written.
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { apiToken, startTestBroadcaster } from '../../services/broadcaster/test/helpers.ts';
import { controlDir, controlEnv, type ControlDir } from './helpers.ts';

describe('runtime control: ingest read-only', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  let dir: ControlDir;
  let broadcaster: BroadcasterService;

  before(async () => {
    db = await createTestDatabase();
    pubnub = await startPubnubLocal({ port: 0 });
    dir = await controlDir();
    broadcaster = await startTestBroadcaster(db.url, pubnub, controlEnv(dir.file));
  });
  after(async () => {
    await broadcaster?.stop();
    await pubnub?.stop();
    await db?.drop();
    await dir?.remove();
  });

  it('answers writes 503 unavailable with the Retry-After of the resource, writing nothing it refused', async () => {
    await writeFile(
      dir.file,
      JSON.stringify({
        metadata: { generation: 1 },
        spec: { ingest: 'read-only', ingestRetryAfterSeconds: 7 },
      }),
    );
    const post = (): Promise<Response> =>
      fetch(`${broadcaster.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'user_notification',
          userId: 'alice',
          data: { kind: 'read_only_probe', title: 'hi' },
        }),
      });
    // Until the replica has read the file, a probe may still be accepted: those are counted.
    let accepted = 0;
    const answer = await waitFor('the ingest API read-only', async () => {
      const r = await post();
      if (r.status === 202) accepted += 1;
      return r.status === 503 ? r : undefined;
    });
    assert.equal(answer.headers.get('retry-after'), '7');
    const body = (await answer.json()) as { error: { code: string; details: { retryAfterSeconds: number } } };
    assert.equal(body.error.code, 'unavailable');
    assert.equal(body.error.details.retryAfterSeconds, 7);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM realtime_outbox WHERE type = 'user_notification'`,
      );
      assert.equal(rows[0]?.n, accepted, 'only the probes answered 202 were written');
    } finally {
      await client.end();
    }
  });
});
