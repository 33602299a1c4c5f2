import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { requestHash, type IdempotencyClaim } from '../src/ingest/idempotencyKey.ts';
import { assignKeys, mergeReplayed, planEventKeys, type Submission } from '../src/ingest/keyedInsert.ts';
import type { StoredKeyRow } from '../src/db/outboxQueries.ts';
import type { BroadcasterService } from '../src/index.ts';
import { apiToken, createGames, metricValue, post, startTestBroadcaster } from './helpers.ts';

// Per-event idempotency keys in a batch (`events[i].idempotencyKey`): a
// backend rebuilding batches from its own queue retries events one by one.

const otherToken = 'test-token-other-0123456789';

interface Answer {
  eventId: string;
  requestId: string;
  sequence: number | null;
}

interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

const claim = (key: string, body: unknown = { key }): IdempotencyClaim => ({
  scope: 's',
  key,
  bodyHash: requestHash('event', body),
});

describe('per-event idempotency keys: decisions', () => {
  it('assigns each inserted event key to its first event in the group; the rest are taken', () => {
    const group: Submission[] = [
      { events: [], claim: null, eventClaims: [claim('a'), null, claim('b')] },
      { events: [], claim: null, eventClaims: [claim('a'), claim('c')] },
      { events: [], claim: null },
    ];
    const { eventOwners, owners, replays } = assignKeys(group, [
      { scope: 's', key: 'a' },
      { scope: 's', key: 'b' },
    ]);
    assert.deepEqual([...(eventOwners.get(0) ?? [])], [0, 2]);
    assert.deepEqual(
      [...(eventOwners.get(1) ?? [])],
      [],
      'a went to the first request, c was taken elsewhere',
    );
    assert.equal(eventOwners.has(2), false);
    assert.equal(owners.size + replays.size, 0);
  });

  const stored = (key: string, body: unknown, sequence: number): StoredKeyRow => ({
    scope: 's',
    key,
    body_hash: requestHash('event', body),
    response: { requestId: `r-${key}`, events: [{ outboxId: '1', eventId: `e-${key}`, sequence }] },
  });

  it('writes events without a key or with an owned one, replays taken ones from their answer', () => {
    const plan = planEventKeys([claim('a'), null, claim('b')], new Set([2]), [stored('a', { key: 'a' }, 7)]);
    assert.equal(plan.kind, 'write');
    if (plan.kind !== 'write') return;
    assert.deepEqual(plan.fresh, [1, 2]);
    assert.deepEqual(plan.replayed.get(0), { outboxId: '1', eventId: 'e-a', sequence: 7, replayOf: 'r-a' });
    const merged = mergeReplayed(plan, [
      { outboxId: '2', eventId: 'new-1', sequence: 8 },
      { outboxId: '3', eventId: 'new-2', sequence: 9 },
    ]);
    assert.deepEqual(
      merged.map((w) => w.eventId),
      ['e-a', 'new-1', 'new-2'],
      'in the order of the batch',
    );
  });

  it('refuses a key stored for another event body, naming the item; waits for an unsettled one', () => {
    assert.deepEqual(
      planEventKeys([null, claim('a', { other: 1 })], new Set(), [stored('a', { key: 'a' }, 1)]),
      {
        kind: 'reused',
        index: 1,
        key: 'a',
      },
    );
    const unsettled: StoredKeyRow = { ...stored('a', { key: 'a' }, 1), response: null };
    assert.deepEqual(planEventKeys([claim('a')], new Set(), [unsettled]), { kind: 'unsettled', key: 'a' });
    assert.deepEqual(planEventKeys([claim('a')], new Set(), []), { kind: 'unsettled', key: 'a' });
  });
});

describe('per-event idempotency keys against the real database', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let replicas: BroadcasterService[];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const env = {
      BROADCAST_API_TOKENS: apiToken,
      BROADCAST_API_CLIENTS: JSON.stringify([
        { name: 'other', tokens: [otherToken], scopes: ['events:game', 'events:user'] },
      ]),
      INGEST_BUSY_WAIT_MS: '2000',
      RELAY_ENABLED: 'false',
    };
    // Only the writes are under test: no relay, and a PubNub origin nobody calls.
    replicas = [
      await startTestBroadcaster(db.url, 'http://127.0.0.1:9', env),
      await startTestBroadcaster(db.url, 'http://127.0.0.1:9', env),
    ];
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await pool.end();
    await db.drop();
  });

  const batchUrl = (replica = 0): string => `${replicas[replica]?.url}/v1/events/batch`;
  const vote = (gameId: string, drawingId: string, key?: string): Record<string, unknown> => ({
    type: 'vote_cast',
    gameId,
    data: { voterId: 'p2', drawingId, round: 1 },
    ...(key === undefined ? {} : { idempotencyKey: key }),
  });
  const rowsOf = async (gameId: string): Promise<{ drawing: string; sequence: number }[]> => {
    const { rows } = await pool.query<{ drawing: string; sequence: number }>(
      `SELECT payload->>'drawingId' AS drawing, sequence::int AS sequence FROM realtime_outbox
       WHERE game_id = $1 ORDER BY sequence`,
      [gameId],
    );
    return rows;
  };

  it('a rebuilt batch: keyed events get their first answer and no new row, the others are written', async () => {
    const [game = ''] = await createGames(pool, 1);
    const first = await post(batchUrl(), {
      events: [vote(game, 'd1', 'q-1'), vote(game, 'd2', 'q-2'), vote(game, 'plain')],
    });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const [a1, a2] = first.body as Answer[];

    // The backend lost the answer and rebuilt its batch: q-2 again, and a new event q-3 ahead of it.
    const retry = await post(batchUrl(1), {
      events: [vote(game, 'd3', 'q-3'), vote(game, 'd2', 'q-2'), vote(game, 'd1', 'q-1')],
    });
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    const [b3, b2, b1] = retry.body as Answer[];
    assert.deepEqual(b2, a2, 'q-2: the same eventId, sequence and requestId as first answered');
    assert.deepEqual(b1, a1);
    assert.equal(b3?.sequence, 4, 'only q-3 took a sequence');
    assert.notEqual(b3?.requestId, a1?.requestId, 'a fresh event carries this request id');
    assert.equal(retry.headers.get('idempotent-replayed'), null, 'not every event was a replay');

    const all = await post(batchUrl(), { events: [vote(game, 'd1', 'q-1'), vote(game, 'd3', 'q-3')] });
    assert.equal(all.status, 202);
    assert.deepEqual(all.body, [a1, b3]);
    assert.equal(all.headers.get('idempotent-replayed'), 'true', 'every event replayed');

    assert.deepEqual(await rowsOf(game), [
      { drawing: 'd1', sequence: 1 },
      { drawing: 'd2', sequence: 2 },
      { drawing: 'plain', sequence: 3 },
      { drawing: 'd3', sequence: 4 },
    ]);
    const metrics = await (await fetch(`${replicas[0]?.url}/metrics`)).text();
    assert.ok((metricValue(metrics, 'sketchyaf_realtime_ingest_idempotent_replays_total') ?? 0) >= 1);
  });

  it('a key reused for another event body: 422 naming the item, nothing of the batch written', async () => {
    const [game = ''] = await createGames(pool, 1);
    assert.equal((await post(batchUrl(), { events: [vote(game, 'd1', 'r-1')] })).status, 202);
    const reused = await post(batchUrl(), {
      events: [vote(game, 'd9', 'r-new'), vote(game, 'changed', 'r-1')],
    });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
    const body = reused.body as ErrorBody;
    assert.equal(body.error.code, 'idempotency_key_reused');
    assert.match(body.error.message, /events\.1\.idempotencyKey/);
    assert.deepEqual(body.error.details, {
      path: 'events.1.idempotencyKey',
      index: 1,
      idempotencyKey: 'r-1',
    });
    assert.deepEqual(await rowsOf(game), [{ drawing: 'd1', sequence: 1 }], 'nothing of the refused batch');

    // The refused batch left no key behind: r-new is free for its event.
    const again = await post(batchUrl(), { events: [vote(game, 'd9', 'r-new')] });
    assert.equal(again.status, 202);
    assert.equal((again.body as Answer[])[0]?.sequence, 2);
  });

  it('an unknown game writes nothing and keeps no key: the retry writes', async () => {
    const [game = ''] = await createGames(pool, 1);
    const missing = '00000000-0000-4000-8000-000000000000';
    const refused = await post(batchUrl(), { events: [vote(game, 'd1', 'm-1'), vote(missing, 'd2', 'm-2')] });
    assert.equal(refused.status, 404);
    const retry = await post(batchUrl(), { events: [vote(game, 'd1', 'm-1')] });
    assert.equal(retry.status, 202);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
    assert.deepEqual(await rowsOf(game), [{ drawing: 'd1', sequence: 1 }]);
  });

  it('refuses what cannot be answered: header and item keys together, one key twice, a key on the single route, a bad key', async () => {
    const [game = ''] = await createGames(pool, 1);
    const both = await post(
      batchUrl(),
      { events: [vote(game, 'd1', 'x-1'), vote(game, 'd2')] },
      { 'idempotency-key': 'whole' },
    );
    assert.equal(both.status, 400, JSON.stringify(both.body));
    assert.deepEqual((both.body as ErrorBody).error.details, [
      {
        path: 'events.0.idempotencyKey',
        code: 'not_allowed',
        message: 'not allowed with an Idempotency-Key header',
      },
    ]);
    const twice = await post(batchUrl(), { events: [vote(game, 'd1', 'x-1'), vote(game, 'd2', 'x-1')] });
    assert.equal(twice.status, 400);
    assert.equal(
      (twice.body as { error: { details: { path: string }[] } }).error.details[0]?.path,
      'events.1.idempotencyKey',
    );
    const single = await post(`${replicas[0]?.url}/v1/events`, vote(game, 'd1', 'x-1'));
    assert.equal(single.status, 400, 'the single route takes the header only');
    for (const bad of ['', ' padded ', 'x'.repeat(256), 'é']) {
      const res = await post(batchUrl(), { events: [vote(game, 'd1', bad)] });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(
        (res.body as { error: { details: { path: string }[] } }).error.details[0]?.path,
        'events.0.idempotencyKey',
      );
    }
    assert.deepEqual(await rowsOf(game), []);
  });

  it('keys are per client, and an item key is never a header key', async () => {
    const [game = ''] = await createGames(pool, 1);
    const first = await post(batchUrl(), { events: [vote(game, 'd1', 't-1')] });
    const other = await post(
      batchUrl(),
      { events: [vote(game, 'd1', 't-1')] },
      { authorization: `Bearer ${otherToken}` },
    );
    assert.equal(other.status, 202);
    assert.notDeepEqual(other.body, first.body, 'another client: written anew');
    const asHeader = await post(batchUrl(), { events: [vote(game, 'd1')] }, { 'idempotency-key': 't-1' });
    assert.equal(asHeader.status, 422, 'the key of an event used for a whole request is a reuse');
    assert.equal((await rowsOf(game)).length, 2);
  });

  it('racing batches sharing keys on two replicas: one row per key, every answer for a key the same', async () => {
    const [game = ''] = await createGames(pool, 1);
    const keys = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    // 20 batches, each a different rotation and subset of the same 8 keyed events, half on each replica.
    const batches = Array.from({ length: 20 }, (_, n) => {
      const picked = keys.filter((_, i) => (i + n) % 3 !== 0);
      const rotated = [...picked.slice(n % picked.length), ...picked.slice(0, n % picked.length)];
      return rotated.map((k) => vote(game, `drawing-${k}`, k));
    });
    const started = performance.now();
    const answers = await Promise.all(batches.map((events, n) => post(batchUrl(n % 2), { events })));
    const ms = performance.now() - started;
    const byKey = new Map<string, Set<string>>();
    answers.forEach((res, n) => {
      assert.equal(res.status, 202, JSON.stringify(res.body));
      (res.body as Answer[]).forEach((a, i) => {
        const key = (batches[n]?.[i]?.['idempotencyKey'] as string | undefined) ?? '';
        const seen = byKey.get(key) ?? new Set<string>();
        seen.add(JSON.stringify([a.eventId, a.sequence, a.requestId]));
        byKey.set(key, seen);
      });
    });
    const rows = await rowsOf(game);
    console.log(
      `    20 racing batches over ${keys.length} keys on 2 replicas in ${Math.round(ms)} ms: ` +
        `${rows.length} outbox rows, ${[...byKey.values()].filter((s) => s.size === 1).length} keys with one answer`,
    );
    assert.equal(byKey.size, keys.length);
    for (const [key, seen] of byKey) assert.equal(seen.size, 1, `${key}: one answer for all batches`);
    assert.equal(rows.length, keys.length, 'one outbox row per key');
    assert.deepEqual(
      rows.map((r) => r.sequence),
      keys.map((_, i) => i + 1),
      'sequences 1..8, no gap, none used twice',
    );
    assert.deepEqual(new Set(rows.map((r) => r.drawing)), new Set(keys.map((k) => `drawing-${k}`)));
  });
});
