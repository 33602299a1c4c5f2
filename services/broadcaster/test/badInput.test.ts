import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { eventTypes, type BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import {
  adminToken,
  apiToken,
  createGames,
  metricValue,
  post,
  startTestBroadcaster,
  type PostResult,
} from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

function assertError(res: PostResult, status: number, code: string): ErrorBody {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const body = res.body as ErrorBody;
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok('details' in body.error);
  return body;
}

describe('ingest API refuses bad input (nothing written)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let gameId = '';
  let url = '';
  let batchUrl = '';

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
    [gameId = ''] = await createGames(pool, 1);
    url = `${service.url}/v1/events`;
    batchUrl = `${service.url}/v1/events/batch`;
  });
  afterEach(async () => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM realtime_outbox');
    assert.equal(rows[0]?.n, 0, 'nothing may be written by a refused request');
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  const valid = (): Record<string, unknown> => exampleEvents(gameId)['vote_cast'] ?? {};

  it('malformed JSON: 400 invalid_json', async () => {
    assertError(await post(url, '{"type": "vote_cast",'), 400, 'invalid_json');
    assertError(await post(url, '"just a string"'), 400, 'invalid_json');
  });

  it('wrong or missing content type: 415 unsupported_media_type', async () => {
    assertError(
      await post(url, JSON.stringify(valid()), { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${apiToken}` } });
    assert.equal(res.status, 415);
    assertError(
      await post(url, JSON.stringify(valid()), { 'content-type': 'application/json; charset=latin1' }),
      415,
      'unsupported_media_type',
    );
  });

  it('bad UUIDs: 400 validation_failed naming the field', async () => {
    const body = assertError(await post(url, { ...valid(), gameId: 'game-1' }), 400, 'validation_failed');
    assert.deepEqual(
      (body.error.details as { path: string }[]).map((d) => d.path),
      ['gameId'],
    );
    const batch = assertError(
      await post(batchUrl, { events: [valid(), { ...valid(), gameId: '1234' }] }),
      400,
      'validation_failed',
    );
    assert.equal((batch.error.details as { path: string }[])[0]?.path, 'events.1.gameId');
  });

  it('unknown or database-only type: 400', async () => {
    const unknown = assertError(await post(url, { ...valid(), type: 'teleport' }), 400, 'validation_failed');
    assert.match(JSON.stringify(unknown.error.details), /unknown event type/);
    assertError(await post(url, { ...valid(), type: 'phase_changed' }), 400, 'validation_failed');
  });

  it('oversize event (envelope > 32 KiB) and oversize body: 413 payload_too_large', async () => {
    const big = (chars: number): Record<string, unknown> => ({
      type: 'user_notification',
      userId: 'u1',
      data: { kind: 'x', title: 't', body: String.fromCharCode(1).repeat(chars) },
    });
    const event = assertError(await post(url, big(6000)), 413, 'payload_too_large');
    assert.match(JSON.stringify(event.error.details), /32768/);
    assertError(await post(url, { ...valid(), padding: ' '.repeat(70_000) }), 413, 'payload_too_large');
    const inBatch = assertError(
      await post(batchUrl, { events: [valid(), big(6000)] }),
      413,
      'payload_too_large',
    );
    assert.equal((inBatch.error.details as { path: string }[])[0]?.path, 'events.1');
    assertError(
      await post(batchUrl, { events: Array.from({ length: 80 }, () => big(3000)) }),
      413,
      'payload_too_large',
    );
  });

  it('oversize batch (> 100 events): 413 payload_too_large', async () => {
    assertError(
      await post(batchUrl, { events: Array.from({ length: 101 }, valid) }),
      413,
      'payload_too_large',
    );
  });

  it('missing token 401, unknown token 403, admin token lacks the event scopes', async () => {
    const missing = assertError(await post(url, valid(), { authorization: '' }), 401, 'unauthorized');
    assert.ok(missing);
    assertError(await post(url, valid(), { authorization: 'Bearer nope-nope-nope-nope' }), 403, 'forbidden');
    assertError(
      await post(url, valid(), { authorization: `Bearer ${adminToken}` }),
      403,
      'insufficient_scope',
    );
    assertError(await post(url, valid(), { authorization: `Basic ${apiToken}` }), 401, 'unauthorized');
  });

  it('disallowed origin: 403, even with a valid token', async () => {
    const res = assertError(await post(url, valid(), { origin: 'https://evil.example' }), 403, 'forbidden');
    assert.match(res.error.message, /Origin/);
  });

  it('bad query: 400; admin API refuses API tokens', async () => {
    assertError(await post(`${url}?wait=forever`, valid()), 400, 'validation_failed');
    assertError(await post(`${url}?wait=published&waitTimeoutMs=60000`, valid()), 400, 'validation_failed');
    const admin = await fetch(`${service.url}/admin/dead-letters`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    assert.equal(admin.status, 403);
  });

  it('counts rejections by reason', async () => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    for (const reason of [
      'invalid_json',
      'unsupported_media_type',
      'validation_failed',
      'unknown_type',
      'unauthorized',
      'forbidden',
    ]) {
      assert.ok(
        (metricValue(text, 'sketchyaf_realtime_ingest_events_rejected_total', `reason="${reason}"`) ?? 0) > 0,
        reason,
      );
    }
  });

  it('fuzz: arbitrary bodies, types and headers never cause a 5xx', async () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const eventLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...eventTypes), fc.string({ maxLength: 20 })),
        gameId: fc.oneof(fc.uuid(), fc.constant(gameId.toUpperCase()), fc.string({ maxLength: 40 })),
        userId: fc.string({ maxLength: 70 }),
        occurredAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        data: fc.oneof(
          anyJson,
          fc.dictionary(fc.constantFrom('playerId', 'round', 'voterId', 'drawingId', 'x'), anyJson),
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      eventLike.map((e) => JSON.stringify(e)),
      fc.array(eventLike, { maxLength: 4 }).map((events) => JSON.stringify({ events })),
      fc.string({ maxLength: 200 }),
      anyJson.map((v) => JSON.stringify(v)),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x+json',
    );
    const target = fc.constantFrom(url, batchUrl, `${url}?wait=published&waitTimeoutMs=1`, `${url}?x=1`);
    await fc.assert(
      fc.asyncProperty(body, contentType, target, async (b, ct, t) => {
        const res = await post(t, b, { 'content-type': ct });
        assert.ok(res.status < 500, `${res.status} for ${t} ${ct} ${b}: ${JSON.stringify(res.body)}`);
        if (res.status >= 400) assert.ok((res.body as ErrorBody).error.code);
      }),
      { numRuns: 300 },
    );
    // The fuzz may have written valid events; this test's afterEach must not count them.
    await pool.query('DELETE FROM realtime_outbox');
  });
});
