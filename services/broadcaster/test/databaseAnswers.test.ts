import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import type { BroadcasterService } from '../src/index.ts';
import { examples } from './examples.ts';
import { adminToken, metricValue, post, startTestBroadcaster } from './helpers.ts';

interface ErrorBody {
  error: { code: string; details: { cause?: string; retryAfterSeconds?: number; outcome?: string } | null };
}

/** What the API answers for database failures that are not an outage (real PostgreSQL). */
describe('ingest and admin answers by database cause', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let service: BroadcasterService;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // Long enough for concurrent requests to share one group commit.
    service = await startTestBroadcaster(db.url, 'http://127.0.0.1:9', {
      RELAY_ENABLED: 'false',
      INGEST_COMMIT_WAIT_MS: '30',
    });
  });
  after(async () => {
    await service.stop();
    await pool.end();
    await db.drop();
  });

  const notification = (title: string): Record<string, unknown> => ({
    ...examples['user_notification'],
    data: { kind: 'friend_invite', title },
  });

  it('a row the database refuses (a trigger error) is isolated: its request 500, the rest of its group 202', async () => {
    await pool.query(`
      CREATE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'title' = 'poison' THEN RAISE EXCEPTION 'poison row'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_poison BEFORE INSERT ON realtime_outbox
        FOR EACH ROW EXECUTE FUNCTION test_refuse_poison();`);
    const flushes = async (): Promise<number> =>
      metricValue(
        await (await fetch(`${service.url}/metrics`)).text(),
        'sketchyaf_realtime_ingest_commit_duration_seconds_count',
        'result="ok"',
      ) ?? 0;
    try {
      const before = await flushes();
      const answers = await Promise.all(
        ['good-1', 'poison', 'good-2'].map((t) => post(`${service.url}/v1/events`, notification(t))),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        [202, 500, 202],
      );
      assert.equal((answers[1]?.body as ErrorBody).error.code, 'internal');
      assert.equal(answers[1]?.headers.get('retry-after'), null, 'a bug is not worth retrying');
      assert.equal(await flushes(), before + 1, 'one group, isolated inside its flush');
    } finally {
      await pool.query(
        'DROP TRIGGER test_refuse_poison ON realtime_outbox; DROP FUNCTION test_refuse_poison()',
      );
    }
  });

  it('a missing table (migrations not applied) is 503 schema_missing with Retry-After 30, on ingest and admin routes', async () => {
    await pool.query('ALTER TABLE realtime_outbox RENAME TO realtime_outbox_away');
    try {
      // Prepared statements on open connections still name the table by oid: start from new connections.
      await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'broadcaster'`,
      );
      const answer = await waitFor('an answer from new connections', async () => {
        const res = await post(`${service.url}/v1/events`, notification('while-missing'));
        return (res.body as ErrorBody).error.details?.cause === 'schema_missing' ? res : undefined;
      });
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get('retry-after'), '30');
      assert.deepEqual((answer.body as ErrorBody).error.details, {
        cause: 'schema_missing',
        retryAfterSeconds: 30,
        outcome: 'not_written',
      });
      const admin = await fetch(`${service.url}/admin/dead-letters`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(admin.status, 503);
      assert.equal(admin.headers.get('retry-after'), '30');
      assert.equal(((await admin.json()) as ErrorBody).error.details?.cause, 'schema_missing');
      const ready = await fetch(`${service.url}/readyz`);
      assert.equal(ready.status, 200, 'the database answers: readiness is about reaching it');
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.ok(
        (metricValue(
          metrics,
          'sketchyaf_realtime_ingest_events_rejected_total',
          'reason="database_schema_missing"',
        ) ?? 0) >= 1,
      );
    } finally {
      await pool.query('ALTER TABLE realtime_outbox_away RENAME TO realtime_outbox');
    }
  });
});
