import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { claimEvents } from '../src/db/outboxQueries.ts';
import { outboxShardOf, type BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { adminToken, createGames, post, startTestBroadcaster, Subscriber } from './helpers.ts';

describe('outbox relay (real PostgreSQL, pubnub-local)', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  const services: BroadcasterService[] = [];
  const subscribers: Subscriber[] = [];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pubnub = await startPubnubLocal({ port: 0 });
  });
  afterEach(async () => {
    for (const s of subscribers.splice(0)) s.stop();
    await Promise.all(services.splice(0).map((s) => s.stop()));
  });
  after(async () => {
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  async function start(
    env: Record<string, string> = {},
    ownedShards?: ReadonlySet<number>,
  ): Promise<BroadcasterService> {
    const service = await startTestBroadcaster(db.url, pubnub, env);
    if (ownedShards) service.relay.setOwnedShards(ownedShards);
    services.push(service);
    return service;
  }

  async function subscribe(channels: string[]): Promise<Subscriber> {
    const subscriber = new Subscriber(pubnub, `sub-${randomUUID()}`);
    subscribers.push(subscriber);
    await subscriber.subscribe(channels);
    return subscriber;
  }

  it('the outbox trigger notifies on inserts, not on games updates that write no event', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const seen: string[] = [];
    listener.on('notification', (n) => seen.push(n.channel));
    await listener.query('LISTEN realtime_outbox');
    try {
      const [gameId = ''] = await createGames(pool, 1);
      await pool.query('UPDATE games SET total_rounds = 2 WHERE id = $1', [gameId]);
      await pool.query('SELECT 1'); // a round trip after the commit
      await listener.query('SELECT 1');
      assert.deepEqual(seen, [], 'no event, no notification');
      await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [gameId]);
      await waitFor('a notification', () => (seen.length > 0 ? true : undefined));
      assert.deepEqual(seen, ['realtime_outbox']);
    } finally {
      await listener.end();
    }
  });

  it('claims in numeric id order across digit boundaries (9 -> 10, 99 -> 100)', async () => {
    const [gameId = ''] = await createGames(pool, 1);
    await pool.query('UPDATE realtime_outbox SET published_at = now() WHERE published_at IS NULL');
    await pool.query(
      `WITH seq AS (UPDATE games SET last_event_sequence = 150 WHERE id = $1)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, request_id, source)
       SELECT $1, n, 'vote_cast', 'game.' || $1, 'r', 'api' FROM generate_series(1, 150) AS n`,
      [gameId],
    );
    // (Sorting by the text of the id would be the very bug this test guards against.)
    const { rows: ids } = await pool.query<{ id: string }>(
      'SELECT o.id::text AS id FROM realtime_outbox o WHERE o.game_id = $1 ORDER BY o.id',
      [gameId],
    );
    const claimed = await claimEvents(pool, {
      heldIds: [ids[0]?.id ?? '0'],
      shards: null,
      shardCount: 64,
      limit: 120,
    });
    assert.deepEqual(
      claimed.map((r) => r.id),
      ids.slice(1, 121).map((r) => r.id),
    );
    assert.deepEqual(
      claimed.map((r) => Number(r.sequence)),
      Array.from({ length: 120 }, (_, i) => i + 2),
    );
    await pool.query('DELETE FROM realtime_outbox WHERE game_id = $1', [gameId]);
  });

  it('realtime_outbox_shard() in SQL agrees with outboxShardOf()', async () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const channels = ids.map((id, i) => (i % 2 === 0 ? `game.${id}` : `user.User${i}`));
    const { rows } = await pool.query<{ shard: number }>(
      `SELECT realtime_outbox_shard(CASE WHEN c LIKE 'game.%' THEN g END, c, 37) AS shard
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t(g, c, n) ORDER BY n`,
      [ids, channels],
    );
    rows.forEach((row, i) => {
      const channel = channels[i] ?? '';
      const gameId = channel.startsWith('game.') ? (ids[i] ?? null) : null;
      assert.equal(row.shard, outboxShardOf(gameId, channel, 37), channel);
    });
  });

  it('publishes game, presence and user events as v2.0.0 envelopes, each game in sequence order', async () => {
    const service = await start();
    const games = await createGames(pool, 5);
    const subscriber = await subscribe(['game.*', 'presence.*', 'user.*']);
    const sent: string[] = [];
    for (let round = 1; round <= 4; round += 1) {
      const events = games.flatMap((g) => [
        { ...exampleEvents(g)['drawing_submitted'], data: { playerId: 'p', round, drawingId: `d${round}` } },
      ]);
      const res = await post(`${service.url}/v1/events/batch`, { events });
      sent.push(...(res.body as { eventId: string }[]).map((b) => b.eventId));
    }
    const extra = await post(`${service.url}/v1/events/batch`, {
      events: [
        exampleEvents(games[0] ?? '')['presence_heartbeat'],
        exampleEvents(games[0] ?? '')['user_notification'],
      ],
    });
    sent.push(...(extra.body as { eventId: string }[]).map((b) => b.eventId));
    await waitFor('every event at the subscriber', () =>
      sent.every((id) => subscriber.messages.some((m) => m.envelope.eventId === id)) ? true : undefined,
    );
    for (const gameId of games) {
      const sequences = subscriber.messages
        .filter((m) => m.channel === `game.${gameId}`)
        .map((m) => m.envelope.sequence);
      assert.deepEqual(sequences, [1, 2, 3, 4]);
    }
    const presence = subscriber.messages.find((m) => m.channel.startsWith('presence.'));
    assert.equal(presence?.envelope.gameId, games[0]);
    assert.equal(presence?.envelope.sequence, undefined);
    const user = subscriber.messages.find((m) => m.channel === 'user.u-1');
    assert.equal(user?.envelope.userId, 'u-1');
    await waitFor('every row marked published', async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL',
        )
      ).rows[0]?.n === 0
        ? true
        : undefined,
    );
  });

  it('dead-letters an event PubNub refuses, lets the game go on, and re-drives it on request', async () => {
    const service = await start();
    const [gameId = ''] = await createGames(pool, 1);
    const subscriber = await subscribe([`game.${gameId}`]);
    // An event PubNub refuses (413: over its 32 KiB limit), written behind the API's back.
    const { rows } = await pool.query<{ event_id: string }>(
      `WITH seq AS (UPDATE games SET last_event_sequence = last_event_sequence + 1 WHERE id = $1 RETURNING last_event_sequence)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
       SELECT $1, last_event_sequence, 'player_joined', 'game.' || $1, jsonb_build_object('blob', repeat('x', 40000)), 'r', 'database'
       FROM seq RETURNING event_id::text`,
      [gameId],
    );
    const poisonId = rows[0]?.event_id ?? '';
    const next = await post(`${service.url}/v1/events?wait=published`, exampleEvents(gameId)['vote_cast']);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal((next.body as { sequence: number }).sequence, 2);
    await waitFor('sequence 2 at the subscriber', () =>
      subscriber.messages.some((m) => m.envelope.sequence === 2) ? true : undefined,
    );
    assert.ok(!subscriber.messages.some((m) => m.envelope.eventId === poisonId));

    const listed = (await (
      await fetch(`${service.url}/admin/dead-letters`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).json()) as { deadLetters: { eventId: string; lastError: string; sequence: number }[] };
    assert.equal(listed.deadLetters.length, 1);
    assert.equal(listed.deadLetters[0]?.eventId, poisonId);
    assert.match(listed.deadLetters[0]?.lastError ?? '', /413/);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /sketchyaf_realtime_dead_lettered_events_total\{service="broadcaster"\} 1/);

    // The operator shrinks the payload and re-drives it.
    await pool.query(`UPDATE realtime_outbox SET payload = '{"blob":"x"}' WHERE event_id = $1`, [poisonId]);
    const redrive = await post(
      `${service.url}/admin/dead-letters/redrive`,
      { eventIds: [poisonId] },
      { authorization: `Bearer ${adminToken}` },
    );
    assert.equal(redrive.status, 200, JSON.stringify(redrive.body));
    assert.deepEqual(redrive.body, { redriven: 1, eventIds: [poisonId], replayed: 1 });
    const late = await waitFor("the re-driven event and the game's later one again", () =>
      subscriber.messages.filter((m) => m.envelope.gameId === gameId).length >= 3 ? true : undefined,
    );
    assert.ok(late);
    // 2 (the gap at 1), then the redrive: 1, and 2 again (same eventId), so the game reads in order from 1.
    assert.deepEqual(
      subscriber.messages.filter((m) => m.envelope.gameId === gameId).map((m) => m.envelope.sequence),
      [2, 1, 2],
    );
    const twice = subscriber.messages.filter((m) => m.envelope.sequence === 2).map((m) => m.envelope.eventId);
    assert.equal(new Set(twice).size, 1, 'the replayed event keeps its eventId');
    // Marks are written a few milliseconds after PubNub accepted: the subscriber can be first.
    const after = await waitFor('the replayed events marked published', async () => {
      const { rows: counts } = await pool.query<{ pending: number; dead: number }>(
        `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS pending,
                count(*) FILTER (WHERE dead_lettered_at IS NOT NULL)::int AS dead
         FROM realtime_outbox WHERE game_id = $1`,
        [gameId],
      );
      return counts[0]?.pending === 0 ? counts[0] : undefined;
    });
    assert.deepEqual(after, { pending: 0, dead: 0 });
  });

  it("a redrive while the game's next event is in flight still ends with that event after the redriven one", async () => {
    const service = await start();
    const [gameId = ''] = await createGames(pool, 1);
    const subscriber = await subscribe([`game.${gameId}`]);
    const { rows } = await pool.query<{ event_id: string }>(
      `WITH seq AS (UPDATE games SET last_event_sequence = last_event_sequence + 1 WHERE id = $1 RETURNING last_event_sequence)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
       SELECT $1, last_event_sequence, 'player_joined', 'game.' || $1, jsonb_build_object('blob', repeat('x', 40000)), 'r', 'database'
       FROM seq RETURNING event_id::text`,
      [gameId],
    );
    const poisonId = rows[0]?.event_id ?? '';
    await waitFor('the dead letter', async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE event_id = $1 AND dead_lettered_at IS NOT NULL',
          [poisonId],
        )
      ).rows[0]?.n === 1
        ? true
        : undefined,
    );
    await pool.query(`UPDATE realtime_outbox SET payload = '{"blob":"x"}' WHERE event_id = $1`, [poisonId]);
    // Sequence 2 goes out slowly; the redrive lands while it is in flight.
    await pubnub.setFaults({ latencyMs: 800 });
    try {
      const next = await post(`${service.url}/v1/events`, exampleEvents(gameId)['vote_cast']);
      assert.equal(next.status, 202, JSON.stringify(next.body));
      await waitFor('sequence 2 in flight', () => (service.relay.inFlight > 0 ? true : undefined), {
        intervalMs: 5,
      });
      const redrive = await post(
        `${service.url}/admin/dead-letters/redrive`,
        { eventIds: [poisonId] },
        { authorization: `Bearer ${adminToken}` },
      );
      assert.deepEqual(redrive.body, { redriven: 1, eventIds: [poisonId], replayed: 1 });
      await waitFor(
        'sequence 2, the redriven 1, and 2 again',
        () => (subscriber.messages.length >= 3 ? true : undefined),
        { timeoutMs: 15_000 },
      );
    } finally {
      await pubnub.setFaults({ latencyMs: 0 });
    }
    assert.deepEqual(
      subscriber.messages.map((m) => m.envelope.sequence),
      [2, 1, 2],
    );
    // The subscriber can see the last publish before the relay has recorded it.
    const after = await waitFor('every event of the game recorded as published', async () => {
      const { rows } = await pool.query<{ pending: number; flagged: number }>(
        `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS pending,
                count(*) FILTER (WHERE publish_timetoken = 0)::int AS flagged
         FROM realtime_outbox WHERE game_id = $1`,
        [gameId],
      );
      return rows[0]?.pending === 0 ? rows[0] : undefined;
    });
    assert.deepEqual(after, { pending: 0, flagged: 0 });
  });

  it('PubNub refusing the key (403): nothing dead-lettered, circuit open, attempts recorded; in order once fixed', async () => {
    const service = await start({ RELAY_BREAKER_CONFIG_HALF_OPEN_MS: '300' });
    const [gameId = ''] = await createGames(pool, 1);
    const subscriber = await subscribe([`game.${gameId}`]);
    await pubnub.setFaults({ rejectPublishes: { status: 403 } });
    try {
      for (let i = 0; i < 3; i += 1) {
        const res = await post(`${service.url}/v1/events`, exampleEvents(gameId)['vote_cast']);
        assert.equal(res.status, 202, JSON.stringify(res.body));
      }
      await waitFor('the refusals recorded on the rows', async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM realtime_outbox WHERE game_id = $1 AND last_error LIKE 'PubNub 403%' AND attempts > 0",
          [gameId],
        );
        return (rows[0]?.n ?? 0) > 0 ? true : undefined;
      });
      assert.notEqual(service.relay.circuitState, 'closed');
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, /sketchyaf_realtime_pubnub_keys_rejected\{service="broadcaster"\} 1/);
      assert.match(
        metrics,
        /sketchyaf_realtime_publish_attempts_total\{result="configuration",service="broadcaster"\} [1-9]/,
      );
    } finally {
      await pubnub.setFaults({ rejectPublishes: null });
    }
    await waitFor("the game's events after the key is fixed", () =>
      subscriber.messages.length >= 3 ? true : undefined,
    );
    assert.deepEqual(
      subscriber.messages.map((m) => m.envelope.sequence),
      [1, 2, 3],
    );
    const { rows } = await pool.query<{ dead: number }>(
      'SELECT count(*) FILTER (WHERE dead_lettered_at IS NOT NULL)::int AS dead FROM realtime_outbox WHERE game_id = $1',
      [gameId],
    );
    assert.equal(rows[0]?.dead, 0);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /sketchyaf_realtime_pubnub_keys_rejected\{service="broadcaster"\} 0/);
  });

  it('an owned-shards restriction publishes only those shards', async () => {
    const games = await createGames(pool, 20);
    const shardCount = 2;
    const mine = games.filter((g) => outboxShardOf(g, `game.${g}`, shardCount) === 0);
    const theirs = games.filter((g) => !mine.includes(g));
    assert.ok(mine.length > 0 && theirs.length > 0);
    const service = await start({ SHARD_COUNT: String(shardCount) }, new Set([0]));
    const subscriber = await subscribe(['game.*']);
    await post(`${service.url}/v1/events/batch`, { events: games.map((g) => exampleEvents(g)['vote_cast']) });
    await waitFor('events of owned games', () =>
      mine.every((g) => subscriber.messages.some((m) => m.envelope.gameId === g)) ? true : undefined,
    );
    await service.relay.stop();
    assert.ok(!subscriber.messages.some((m) => theirs.includes(m.envelope.gameId ?? '')));
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND game_id = ANY($1::uuid[])',
      [theirs],
    );
    assert.equal(rows[0]?.n, theirs.length, 'the other shards wait in the outbox');
    await pool.query('UPDATE realtime_outbox SET published_at = now() WHERE published_at IS NULL');
  });

  it('prunes published rows after the retention period, keeping unpublished ones and dead letters', async () => {
    await pool.query(
      'UPDATE realtime_outbox SET published_at = NULL, dead_lettered_at = now() WHERE id = (SELECT min(id) FROM realtime_outbox)',
    );
    await pool.query(
      "UPDATE realtime_outbox SET published_at = now() - interval '1 hour' WHERE published_at IS NOT NULL",
    );
    const [gameId = ''] = await createGames(pool, 1);
    await start({
      OUTBOX_RETENTION_MS: '60000',
      OUTBOX_PRUNE_INTERVAL_MS: '100',
      OUTBOX_PRUNE_BATCH: '7',
      RELAY_ENABLED: 'false',
    });
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [gameId]);
    await waitFor('old published rows pruned', async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NOT NULL',
        )
      ).rows[0]?.n === 0
        ? true
        : undefined,
    );
    const { rows } = await pool.query<{ dead: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE dead_lettered_at IS NOT NULL)::int AS dead,
              count(*) FILTER (WHERE published_at IS NULL AND dead_lettered_at IS NULL)::int AS waiting
       FROM realtime_outbox`,
    );
    assert.deepEqual(rows[0], { dead: 1, waiting: 1 });
  });
});
