import { strict as assert } from 'node:assert';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  canonicalJson,
  idempotencyKeyIssue,
  clientScope,
  requestHash,
  type IdempotencyClaim,
} from '../src/ingest/idempotencyKey.ts';
import { assignKeys, keyedAnswer, type Submission } from '../src/ingest/keyedInsert.ts';
import { pruneIngestKeys } from '../src/db/outboxQueries.ts';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { apiToken, createGames, metricValue, post, startTestBroadcaster, Subscriber } from './helpers.ts';

const otherToken = 'test-token-other-0123456789';

describe('idempotency key helpers', () => {
  it('accepts 1 to 255 printable ASCII characters, nothing else', () => {
    for (const good of [
      'a',
      'order-42:retry',
      'a b',
      '~'.repeat(255),
      '550e8400-e29b-41d4-a716-446655440000',
    ])
      assert.equal(idempotencyKeyIssue(good), null, good);
    for (const bad of ['', ' a', 'a ', 'x'.repeat(256), 'é', 'a\tb', 'a\nb', '\u0000'])
      assert.equal(idempotencyKeyIssue(bad)?.path, 'headers.idempotency-key', JSON.stringify(bad));
  });

  it('hashes the canonical body: key order and whitespace do not matter, values and the route do', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [{ d: 2, c: null }], e: undefined }),
      '{"a":[{"c":null,"d":2}],"b":1}',
    );
    const one = requestHash('single', JSON.parse('{"type":"t","data":{"x":1,"y":"z"}}'));
    const same = requestHash('single', JSON.parse('{ "data": {"y":"z", "x":1}, "type":"t" }'));
    assert.ok(one.equals(same));
    assert.ok(!one.equals(requestHash('single', { type: 't', data: { x: 2, y: 'z' } })));
    assert.ok(!one.equals(requestHash('batch', { type: 't', data: { x: 1, y: 'z' } })));
  });

  it('scopes keys by client name, apart from the token hashes that scoped them before', () => {
    assert.equal(clientScope('default'), 'client:default');
    assert.notEqual(clientScope('default'), clientScope('other'));
    // base64url never holds a colon: a pre-client row (scope = token hash) cannot meet a client's.
    assert.ok(clientScope('a').includes(':'));
  });

  const claim = (key: string, body: unknown = {}): IdempotencyClaim => ({
    scope: 's',
    key,
    bodyHash: requestHash('single', body),
  });
  const submission = (c: IdempotencyClaim | null): Submission => ({ events: [], claim: c });

  it('gives each inserted key to its first request; the rest of the group replays', () => {
    const group = [
      submission(claim('k1')),
      submission(null),
      submission(claim('k1')),
      submission(claim('k2')),
    ];
    const { owners, replays } = assignKeys(group, [{ scope: 's', key: 'k1' }]);
    assert.deepEqual([...owners], [0]);
    assert.deepEqual([...replays], [2, 3], 'k2 was taken elsewhere');
  });

  it('answers a taken key from its stored answer, 422 for another body, nothing when no answer is stored', () => {
    const answer = { requestId: 'r1', events: [{ outboxId: '7', eventId: 'e', sequence: 3 }] };
    const row = { scope: 's', key: 'k', body_hash: requestHash('single', { a: 1 }), response: answer };
    assert.deepEqual(keyedAnswer(submission(claim('k', { a: 1 })), [row]), {
      ok: true,
      value: { written: answer.events, replayOf: 'r1' },
    });
    const reused = keyedAnswer(submission(claim('k', { a: 2 })), [row]);
    assert.ok(!reused.ok && reused.error instanceof Error && 'code' in reused.error);
    assert.equal((reused.error as { code: string }).code, 'idempotency_key_reused');
    assert.deepEqual(keyedAnswer(submission(claim('k', { a: 1 })), []), { ok: false, error: undefined });
  });
});

interface Answer {
  eventId: string;
  requestId: string;
  sequence: number | null;
}

describe('Idempotency-Key on two broadcaster replicas (real PostgreSQL)', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let replicas: BroadcasterService[];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
    const env = {
      BROADCAST_API_CLIENTS: JSON.stringify([
        { name: 'other', tokens: [otherToken], scopes: ['events:game', 'events:user'] },
      ]),
      INGEST_BUSY_WAIT_MS: '300',
    };
    // Without shard leases two relays would both publish every row: the second replica is ingest only.
    replicas = [
      await startTestBroadcaster(db.url, pubnub, env),
      await startTestBroadcaster(db.url, pubnub, { ...env, RELAY_ENABLED: 'false' }),
    ];
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  const rowsWith = async (marker: string): Promise<number> => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM realtime_outbox WHERE payload->>'drawingId' = $1 OR payload->>'title' = $1`,
      [marker],
    );
    return rows[0]?.n ?? -1;
  };
  const vote = (gameId: string, marker: string): unknown => ({
    ...exampleEvents(gameId)['vote_cast'],
    data: { voterId: 'p2', drawingId: marker, round: 1 },
  });

  it('20 concurrent requests with one key on two replicas: one outbox row, 20 identical answers, no sequence used twice', async () => {
    const [game = ''] = await createGames(pool, 1);
    // Unkeyed traffic for the same game alongside: the keyed requests must not bump its sequence.
    const plain = Array.from({ length: 10 }, (_, i) =>
      post(`${replicas[i % 2]?.url}/v1/events`, vote(game, `plain-${i}`)),
    );
    const started = performance.now();
    const keyed = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(`${replicas[i % 2]?.url}/v1/events`, vote(game, 'keyed-1'), { 'idempotency-key': 'order-1' }),
      ),
    );
    const ms = performance.now() - started;
    for (const res of await Promise.all(plain)) assert.equal(res.status, 202);
    const statuses = keyed.map((r) => r.status);
    const answers = keyed.map((r) => r.body as Answer);
    const replayed = keyed.filter((r) => r.headers.get('idempotent-replayed') === 'true').length;
    const distinct = new Set(answers.map((a) => JSON.stringify(a)));
    const { rows } = await pool.query<{ last: number; n: number; max: number }>(
      `SELECT g.last_event_sequence::int AS last, count(o.id)::int AS n, max(o.sequence)::int AS max
       FROM games g JOIN realtime_outbox o ON o.game_id = g.id WHERE g.id = $1 GROUP BY g.id`,
      [game],
    );
    const scrape = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/metrics`)).text()));
    const replays = scrape.reduce(
      (sum, text) => sum + (metricValue(text, 'sketchyaf_realtime_ingest_idempotent_replays_total') ?? 0),
      0,
    );
    console.log(
      `    20 requests with one key in ${Math.round(ms)} ms: statuses ${[...new Set(statuses)].join(',')}, ` +
        `${distinct.size} distinct answer(s), ${replayed} marked replayed (metric ${replays}); ` +
        `outbox rows for the key ${await rowsWith('keyed-1')}; game sequence ${rows[0]?.last} for ${rows[0]?.n} rows`,
    );
    assert.deepEqual([...new Set(statuses)], [202]);
    assert.equal(distinct.size, 1, 'every answer the same (eventId, sequence, requestId)');
    assert.equal(replayed, 19);
    assert.equal(replays, 19);
    assert.equal(await rowsWith('keyed-1'), 1, 'one outbox row');
    assert.deepEqual(
      rows[0],
      { last: 11, n: 11, max: 11 },
      'the key bumped the sequence once: 1..11, no gap',
    );
  });

  it('the batch route: the same answer again; another body with the key is 422; another token has its own keys', async () => {
    const [game = ''] = await createGames(pool, 1);
    const url = `${replicas[0]?.url}/v1/events/batch`;
    const body = { events: [vote(game, 'batch-1'), vote(game, 'batch-2')] };
    const first = await post(url, body, { 'idempotency-key': 'batch-key' });
    const again = await post(`${replicas[1]?.url}/v1/events/batch`, body, { 'idempotency-key': 'batch-key' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(
      (first.body as Answer[]).map((a) => a.sequence),
      [1, 2],
    );

    const waited = await post(`${replicas[1]?.url}/v1/events/batch?wait=published&waitTimeoutMs=5000`, body, {
      'idempotency-key': 'batch-key',
    });
    assert.equal(
      waited.status,
      200,
      `a replay waits for the first write's events: ${JSON.stringify(waited.body)}`,
    );
    assert.deepEqual(
      (waited.body as (Answer & { deliveryState: string })[]).map((a) => [a.eventId, a.deliveryState]),
      (first.body as Answer[]).map((a) => [a.eventId, 'published']),
    );

    const reused = await post(url, { events: [vote(game, 'batch-3')] }, { 'idempotency-key': 'batch-key' });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
    assert.equal((reused.body as { error: { code: string } }).error.code, 'idempotency_key_reused');
    const single = await post(`${replicas[0]?.url}/v1/events`, vote(game, 'batch-1'), {
      'idempotency-key': 'batch-key',
    });
    assert.equal(single.status, 422, 'the same key on the other route is a reuse');

    const other = await post(url, body, {
      'idempotency-key': 'batch-key',
      authorization: `Bearer ${otherToken}`,
    });
    assert.equal(other.status, 202, JSON.stringify(other.body));
    assert.equal(other.headers.get('idempotent-replayed'), null);
    assert.deepEqual(
      (other.body as Answer[]).map((a) => a.sequence),
      [3, 4],
      "written anew under the other client's token",
    );
    assert.equal(await rowsWith('batch-1'), 2, 'once per client');
    assert.equal(await rowsWith('batch-3'), 0, 'the refused body wrote nothing');

    const { rows } = await pool.query<{ scope: string }>('SELECT DISTINCT scope FROM realtime_ingest_keys');
    for (const { scope } of rows) assert.ok(!scope.includes(apiToken) && !scope.includes(otherToken));
  });

  it('racing requests with one key and different bodies: one written, every other body 422', async () => {
    const [game = ''] = await createGames(pool, 1);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(`${replicas[i % 2]?.url}/v1/events`, vote(game, `race-${i}`), { 'idempotency-key': 'race' }),
      ),
    );
    const written = answers.filter((r) => r.status === 202);
    const markers = await Promise.all(Array.from({ length: 10 }, (_, i) => rowsWith(`race-${i}`)));
    console.log(
      `    10 bodies racing for one key: statuses ${answers.map((r) => r.status).join(',')}; ` +
        `outbox rows ${markers.reduce((a, b) => a + b, 0)}`,
    );
    assert.equal(written.length, 1, 'one body wins');
    assert.equal(answers.filter((r) => r.status === 422).length, 9);
    assert.equal(
      markers.reduce((a, b) => a + b, 0),
      1,
    );
  });

  it('keys older than the retention period are pruned, younger ones kept', async () => {
    await pool.query(
      `INSERT INTO realtime_ingest_keys (scope, key, body_hash, response, created_at)
       VALUES ('s', 'old', '\\x00', '{}', now() - interval '25 hours'), ('s', 'young', '\\x00', '{}', now())`,
    );
    assert.equal(await pruneIngestKeys(pool, 24 * 3600 * 1000, 1000), 1);
    const { rows } = await pool.query<{ key: string }>(
      "SELECT key FROM realtime_ingest_keys WHERE scope = 's'",
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      ['young'],
    );
  });

  it('costs of a key: group-commit throughput with and without keys (figures printed)', async () => {
    const games = await createGames(pool, 50);
    const url = `${replicas[0]?.url}/v1/events`;
    const run = async (keyed: boolean): Promise<{ perSecond: number; p99: number }> => {
      const latencies: number[] = [];
      const started = performance.now();
      // 50 callers, 10 requests each: groups of many requests, as under load.
      await Promise.all(
        games.map(async (game, c) => {
          for (let i = 0; i < 10; i += 1) {
            const t = performance.now();
            const res = await post(
              url,
              vote(game, `${keyed ? 'k' : 'u'}-${c}-${i}`),
              keyed ? { 'idempotency-key': `load-${c}-${i}` } : {},
            );
            latencies.push(performance.now() - t);
            assert.equal(res.status, 202);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return { perSecond: 500 / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
    };
    await run(false); // warm-up
    const plain = await run(false);
    const keyed = await run(true);
    console.log(
      `    500 requests, 50 concurrent: without key ${Math.round(plain.perSecond)} req/s (p99 ${Math.round(plain.p99)} ms), ` +
        `with key ${Math.round(keyed.perSecond)} req/s (p99 ${Math.round(keyed.p99)} ms)`,
    );
    // A loose floor for a loaded machine: the keyed transaction costs round trips, not an order of magnitude.
    assert.ok(keyed.perSecond >= plain.perSecond / 5, 'keyed writes within 5x of plain ones');
  });

  it('a malformed key is 400 and writes nothing', async () => {
    const [game = ''] = await createGames(pool, 1);
    const res = await post(`${replicas[0]?.url}/v1/events`, vote(game, 'bad-key'), {
      'idempotency-key': 'x'.repeat(256),
    });
    assert.equal(res.status, 400);
    assert.equal(
      (res.body as { error: { details: { path: string }[] } }).error.details[0]?.path,
      'headers.idempotency-key',
    );
    assert.equal(await rowsWith('bad-key'), 0);
  });

  it('a key whose first request wrote nothing (game busy, unknown game) is free: the retry writes', async () => {
    const [game = ''] = await createGames(pool, 1);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM games WHERE id = $1 FOR UPDATE', [game]);
      const busy = await post(`${replicas[0]?.url}/v1/events`, vote(game, 'busy-1'), {
        'idempotency-key': 'busy',
      });
      assert.equal(busy.status, 503, JSON.stringify(busy.body));
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    const retry = await post(`${replicas[1]?.url}/v1/events`, vote(game, 'busy-1'), {
      'idempotency-key': 'busy',
    });
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.headers.get('idempotent-replayed'), null, 'written, not replayed');
    assert.equal((retry.body as Answer).sequence, 1);

    const unknown = vote('00000000-0000-4000-8000-000000000000', 'missing-1');
    assert.equal(
      (await post(`${replicas[0]?.url}/v1/events`, unknown, { 'idempotency-key': 'gone' })).status,
      404,
    );
    const { rows } = await pool.query('SELECT 1 FROM realtime_ingest_keys WHERE key = $1', ['gone']);
    assert.equal(rows.length, 0, 'no key kept for a refused request');
  });

  it('a retry after the client cut its connection mid-request: one event at the subscriber', async () => {
    const [game = ''] = await createGames(pool, 1);
    const subscriber = new Subscriber(pubnub, 'idempotency-subscriber');
    try {
      await subscriber.subscribe([`game.${game}`]);
      const body = JSON.stringify(vote(game, 'cut-1'));
      const target = new URL(`${replicas[0]?.url}/v1/events`);
      // An uncommitted claim of the same key holds the request in the database while the client hangs up:
      // the write then completes with nobody to answer, as when a connection breaks mid-request.
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          "INSERT INTO realtime_ingest_keys (scope, key, body_hash) VALUES ($1, 'cut-key', '\\x00')",
          [clientScope('default')],
        );
        await new Promise<void>((resolve) => {
          const req = http.request({
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${apiToken}`,
              'idempotency-key': 'cut-key',
              'content-length': Buffer.byteLength(body),
            },
          });
          req.on('error', () => resolve());
          req.end(body, () => {
            // Sent in full; hung up before any answer.
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 200);
          });
        });
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      const writtenBy = Date.now() + 5000;
      while ((await rowsWith('cut-1')) === 0 && Date.now() < writtenBy) await sleep(50);
      assert.equal(await rowsWith('cut-1'), 1, 'the request whose client hung up was written');
      const retry = await post(`${replicas[1]?.url}/v1/events`, JSON.parse(body), {
        'idempotency-key': 'cut-key',
      });
      assert.equal(retry.status, 202, JSON.stringify(retry.body));
      assert.equal(retry.headers.get('idempotent-replayed'), 'true', 'answered from the first write');
      const deadline = Date.now() + 10_000;
      while (subscriber.messages.length === 0 && Date.now() < deadline) await sleep(50);
      // A fence: the game's events are published in sequence order, so a duplicate of the
      // first, were there one, reaches the subscriber before this one does.
      const fence = await post(`${replicas[1]?.url}/v1/events`, vote(game, 'cut-fence'), {
        'idempotency-key': 'cut-fence-key',
      });
      assert.equal(fence.status, 202, JSON.stringify(fence.body));
      const fenceId = (fence.body as Answer).eventId;
      while (!subscriber.messages.some((m) => m.envelope.eventId === fenceId) && Date.now() < deadline)
        await sleep(50);
      assert.ok(
        subscriber.messages.some((m) => m.envelope.eventId === fenceId),
        'the fence event reached the subscriber',
      );
      const seen = subscriber.messages.filter(
        (m) => m.envelope.type === 'vote_cast' && m.envelope.eventId !== fenceId,
      );
      console.log(
        `    cut connection then retry: ${seen.length} message(s) at the subscriber, ` +
          `replayed=${retry.headers.get('idempotent-replayed') ?? 'false'}, outbox rows ${await rowsWith('cut-1')}`,
      );
      assert.equal(seen.length, 1, 'exactly one event at the subscriber');
      assert.equal(seen[0]?.envelope.eventId, (retry.body as Answer).eventId);
      assert.equal(await rowsWith('cut-1'), 1);
    } finally {
      subscriber.stop();
    }
  });
});
