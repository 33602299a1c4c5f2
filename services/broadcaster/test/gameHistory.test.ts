import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { loadBroadcasterConfig, type BroadcasterService } from '../src/index.ts';
import { pruneTransitions } from '../src/db/outboxQueries.ts';
import {
  deliveryStateOf,
  historyAnswer,
  parseHistoryQuery,
  type GameHistory,
  type HistoryEventRow,
  type HistoryQuery,
} from '../src/history/gameHistory.ts';
import { buildOpenApiDocument } from '../src/http/openapiDocument.ts';
import { exampleEvents } from './examples.ts';
import { OpenApiValidator } from './openapiValidator.ts';
import { adminToken, apiToken, createGames, post, startTestBroadcaster } from './helpers.ts';

const gameId = '0b6a8f3e-5a5e-4d7c-9a43-1c2d3e4f5a6b';

function eventRow(id: string, published: boolean): HistoryEventRow {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id,
    event_id: `00000000-0000-4000-8000-${id.padStart(12, '0')}`,
    sequence: id,
    type: 'vote_cast',
    channel: `game.${gameId}`,
    source: 'api',
    request_id: 'r',
    occurred_at: at,
    created_at: at,
    published_at: published ? at : null,
    publish_timetoken: published ? '17000000000000000' : null,
    dead_lettered_at: null,
    attempts: published ? 1 : 0,
    last_error: null,
  };
}

describe('game history (pure)', () => {
  it('parses the game id, limit and cursors, and names every bad field', () => {
    const ok = parseHistoryQuery(gameId.toUpperCase(), { limit: '5', afterEvent: '12' });
    assert.ok(ok.ok);
    assert.deepEqual(ok.query, { gameId, limit: 5, afterTransition: '0', afterEvent: '12' });
    const defaults = parseHistoryQuery(gameId, {});
    assert.ok(defaults.ok);
    assert.equal(defaults.query.limit, 100);
    const bad = parseHistoryQuery('nope', {
      limit: '1001',
      afterTransition: '-1',
      afterEvent: ['1', '2'],
    });
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.issues.map((i) => i.path),
      ['path.id', 'query.limit', 'query.afterTransition', 'query.afterEvent'],
    );
    const huge = parseHistoryQuery(gameId, { afterEvent: '9223372036854775808' });
    assert.ok(!huge.ok, 'a cursor past bigint is refused, not a database error');
  });

  it('derives the delivery state from the relay columns', () => {
    const at = new Date();
    assert.equal(deliveryStateOf({ published_at: null, dead_lettered_at: null }), 'pending');
    assert.equal(deliveryStateOf({ published_at: at, dead_lettered_at: null }), 'published');
    assert.equal(deliveryStateOf({ published_at: null, dead_lettered_at: at }), 'dead_lettered');
  });

  it('cuts each list at the limit and gives the cursors of the next page', () => {
    const query: HistoryQuery = { gameId, limit: 2, afterTransition: '0', afterEvent: '7' };
    const rows = [eventRow('8', true), eventRow('9', false), eventRow('10', false)];
    const page = historyAnswer(query, true, [], rows);
    assert.deepEqual(
      page.events.map((e) => [e.id, e.delivery]),
      [
        ['8', 'published'],
        ['9', 'pending'],
      ],
    );
    assert.deepEqual(page.next, { afterTransition: '0', afterEvent: '9' });
    assert.equal(historyAnswer(query, true, [], rows.slice(0, 2)).next, null, 'complete: no next page');
  });
});

describe('GET /v1/games/:id/history (real PostgreSQL, pubnub-local)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  const validator = new OpenApiValidator(buildOpenApiDocument());
  const problems: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(problems.splice(0), [], 'answers the OpenAPI document does not describe');
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  async function history(
    id: string,
    query = '',
    token = adminToken,
  ): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${service.url}/v1/games/${id}/history${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.json();
    problems.push(
      ...validator.responseProblems('get', '/v1/games/{id}/history', res.status, body, res.headers),
    );
    return { status: res.status, body };
  }

  it("shows a game's transitions and events with their delivery state, page by page", async () => {
    const [id = ''] = await createGames(pool, 1, { start: true });
    const vote = await post(`${service.url}/v1/events?wait=published`, exampleEvents(id)['vote_cast']);
    assert.equal(vote.status, 200, JSON.stringify(vote.body));
    // An event PubNub refuses for good (413: over its 32 KiB limit): the relay dead-letters it.
    await pool.query(
      `WITH seq AS (UPDATE games SET last_event_sequence = last_event_sequence + 1 WHERE id = $1 RETURNING last_event_sequence)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
       SELECT $1, last_event_sequence, 'player_joined', 'game.' || $1, jsonb_build_object('blob', repeat('x', 40000)), 'r', 'database'
       FROM seq`,
      [id],
    );
    await pool.query("UPDATE games SET status = 'cancelled' WHERE id = $1", [id]);
    const full = await waitFor('every event delivered or dead-lettered', async () => {
      const { status, body } = await history(id);
      assert.equal(status, 200, JSON.stringify(body));
      const page = body as GameHistory;
      return page.events.some((e) => e.delivery === 'pending') || page.events.length < 4 ? undefined : page;
    });
    assert.equal(full.gameExists, true);
    assert.deepEqual(
      full.transitions.map((t) => `${t.fromStatus}->${t.toStatus}`),
      ['waiting->briefing', 'briefing->cancelled'],
    );
    assert.deepEqual(
      full.events.map((e) => [e.sequence, e.type, e.delivery]),
      [
        [1, 'phase_changed', 'published'],
        [2, 'vote_cast', 'published'],
        [3, 'player_joined', 'dead_lettered'],
        [4, 'phase_changed', 'published'],
      ],
    );
    assert.match(full.events[2]?.lastError ?? '', /413/);
    assert.equal(full.next, null);

    // limit=1: the cursors walk both lists to the end.
    const seen: string[] = [];
    let query = '?limit=1';
    for (let i = 0; i < 10; i += 1) {
      const page = (await history(id, query)).body as GameHistory;
      seen.push(...page.transitions.map((t) => `t${t.version}`), ...page.events.map((e) => `e${e.sequence}`));
      if (page.next === null) break;
      query = `?limit=1&afterTransition=${page.next.afterTransition}&afterEvent=${page.next.afterEvent}`;
    }
    assert.equal(seen.filter((s) => s.startsWith('e')).length, 4);
    assert.equal(seen.filter((s) => s.startsWith('t')).length, 2);
  });

  it('lists in numeric id order across digit boundaries (9 -> 10), not as text', async () => {
    const [id = ''] = await createGames(pool, 1);
    // 12 transitions and events (ids well past 9 in this database), committed in order.
    for (const status of ['briefing', 'cancelled']) {
      await pool.query('UPDATE games SET status = $2 WHERE id = $1', [id, status]);
    }
    await pool.query(
      `INSERT INTO game_transitions (game_id, from_status, to_status, round, version, source, request_id)
       SELECT $1, 'a', 'b', 1, 100 + g, 'api', 'r' FROM generate_series(1, 10) g`,
      [id],
    );
    await pool.query(
      `WITH seq AS (UPDATE games SET last_event_sequence = last_event_sequence + 10 WHERE id = $1 RETURNING last_event_sequence)
       INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source)
       SELECT $1, last_event_sequence - 10 + g, 'player_joined', 'game.' || $1, '{}', 'r', 'database'
       FROM seq, generate_series(1, 10) g ORDER BY g`,
      [id],
    );
    const page = (await history(id)).body as GameHistory;
    const versions = page.transitions.map((t) => t.version);
    const sequences = page.events.map((e) => e.sequence ?? 0);
    assert.equal(versions.length, 12);
    assert.equal(sequences.length, 12);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
    );
    assert.deepEqual(
      sequences,
      [...sequences].sort((a, b) => a - b),
    );
    assert.ok(page.events.some((e) => Number(e.id) >= 10) && page.events.some((e) => Number(e.id) < 10));
  });

  it('keeps a deleted game’s history, 404s an unknown id, 400s a bad one, and needs the admin scope', async () => {
    const [id = ''] = await createGames(pool, 1, { start: true });
    await pool.query('DELETE FROM games WHERE id = $1', [id]);
    const orphan = await history(id);
    assert.equal(orphan.status, 200);
    assert.equal((orphan.body as GameHistory).gameExists, false);
    assert.equal((orphan.body as GameHistory).transitions.length, 1);

    const unknown = await history('6f0b3a52-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { error: { code: string } }).error.code, 'not_found');
    const bad = await history('not-a-uuid', '?limit=0');
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path),
      ['path.id', 'query.limit'],
    );
    const scoped = await history(id, '', apiToken);
    assert.equal(scoped.status, 403);
    assert.equal((scoped.body as { error: { code: string } }).error.code, 'insufficient_scope');
    assert.equal((await history(id, '', 'not-a-token-0123456789')).status, 403);
    assert.equal((await fetch(`${service.url}/v1/games/${id}/history`)).status, 401);
  });

  it('prunes game_transitions past the retention, in batches, and keeps the rest', async () => {
    const [id = ''] = await createGames(pool, 1, { start: true });
    await pool.query(
      `INSERT INTO game_transitions (game_id, from_status, to_status, round, version, source, request_id, committed_at)
       SELECT $1, 'a', 'b', 1, g, 'api', 'r', now() - interval '40 days' FROM generate_series(1, 5) g`,
      [id],
    );
    const config = loadBroadcasterConfig({
      DATABASE_URL: db.url,
      BROADCAST_API_TOKENS: apiToken,
      PUBNUB_PUBLISH_KEY: 'pub',
      PUBNUB_SUBSCRIBE_KEY: 'sub',
    });
    assert.equal(config.relay.transitionsRetentionMs, 30 * 86_400_000, 'default: 30 days');
    assert.equal(await pruneTransitions(pool, config.relay.transitionsRetentionMs, 2), 2);
    assert.equal(await pruneTransitions(pool, config.relay.transitionsRetentionMs, 100), 3);
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM game_transitions WHERE game_id = $1',
      [id],
    );
    assert.equal(rows[0]?.n, 1, 'the recent transition stays');
  });
});
