// `npm run load`'s pieces: the shared scenario arithmetic, the verdicts, the
// game-history analysis, the autocannon schedule and the game backend stand-in.
import { strict as assert } from 'node:assert';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import pg from 'pg';
import {
  parseCreateRequest,
  startGameBackend,
  type GameBackend,
} from '../../load-tests/gameBackend/gameBackend.ts';
import { connectionsFor, segments, slices, split } from '../../load-tests/local/arrival.ts';
import { percentile } from '../../load-tests/local/stats.ts';
import { formatVerdicts, observe, verdicts, type Measurement } from '../../load-tests/local/verdicts.ts';
import {
  analyseGame,
  arrivalBody,
  currentPhase,
  plannedIterations,
  ratePerSecond,
  scenarioShapes,
  thresholdKey,
  thresholdsFor,
  timetokenMs,
  type HistoryItem,
} from '../../load-tests/scenarios.ts';

const gameId = '0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** A history of a one-round game, `sent` API events after the briefing starts; timer lag 10 ms each. */
function historyOf(sent: string[]): HistoryItem[] {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const phases: [string, string][] = [
    ['waiting', 'briefing'],
    ['briefing', 'drawing'],
    ['drawing', 'voting'],
    ['voting', 'results'],
    ['results', 'completed'],
  ];
  const items: HistoryItem[] = [];
  let sequence = 0;
  const push = (
    type: string,
    at: number,
    data: Record<string, unknown>,
    eventId = `e${sequence + 1}`,
  ): void => {
    sequence += 1;
    items.push({
      timetoken: `${at + 20}0000`,
      message: {
        version: '2.0.0',
        eventId,
        type,
        gameId,
        sequence,
        occurredAt: new Date(at).toISOString(),
        source: 'timer-monitor',
        requestId: 'r',
        data,
      },
    });
  };
  phases.forEach(([from, to], i) => {
    const at = t0 + i * 1000 + (i === 0 ? 0 : 10);
    const expires = to === 'completed' ? null : new Date(t0 + (i + 1) * 1000).toISOString();
    push('phase_changed', at, {
      from,
      to,
      round: 1,
      totalRounds: 1,
      version: i + 1,
      phaseExpiresAt: expires,
    });
    if (i === 0)
      for (const id of sent) push('player_joined', at + 1, { playerId: 'p1', displayName: 'P' }, id);
  });
  return items;
}

describe('load tests: the local runner', () => {
  it('plans the spike second by second as k6 interpolates the stages', () => {
    const { spike, ingest } = scenarioShapes();
    const rates = ratePerSecond(spike);
    assert.equal(rates.length, 40);
    assert.deepEqual(rates.slice(0, 5), [20, 20, 20, 20, 20]);
    assert.equal(rates[5], 98); // 20 + 780 * 0.5 / 5
    assert.equal(rates[9], 722);
    assert.ok(rates.slice(10, 25).every((r) => r === 800));
    assert.equal(plannedIterations(ingest), 300 * 40);
    assert.deepEqual(segments([20, 20, 98, 800, 800]), [
      { start: 0, seconds: 2, rate: 20 },
      { start: 2, seconds: 1, rate: 98 },
      { start: 3, seconds: 2, rate: 800 },
    ]);
    // 300/s: ten instances of 30/s, 100 ms apart, 10 connections of 3 requests a second each.
    assert.equal(slices, 10);
    assert.deepEqual(split(300, 200)[1], { offsetMs: 100, rate: 30, connections: 10 });
    // Every connection gets the same share of the rate: a divisor, at most 4 a second each, within the cap.
    assert.equal(connectionsFor(30, 20), 10);
    assert.equal(connectionsFor(5, 20), 5);
    assert.equal(connectionsFor(80, 10), 10);
    assert.equal(connectionsFor(7, 20), 7);
    assert.equal(connectionsFor(7, 5), 1);
    assert.equal(
      split(98, 400).reduce((sum, p) => sum + p.rate, 0),
      98,
    );
    assert.deepEqual(
      split(3, 400).map((p) => p.offsetMs),
      [0, 100, 200],
    );
    assert.ok(split(800, 100).every((p) => p.connections === 10)); // maxVUs caps the connections
  });

  it('reads LOAD_SOAK_SECONDS and numbers every event of a batch', () => {
    assert.equal(scenarioShapes({ LOAD_SOAK_SECONDS: '1800' }).soak.durationS, 1800);
    assert.equal(scenarioShapes({}).soak.durationS, 90);
    assert.throws(() => scenarioShapes({ LOAD_SOAK_SECONDS: 'x' }), /LOAD_SOAK_SECONDS=x: want an integer/);
    const { soak } = scenarioShapes();
    const body = JSON.parse(arrivalBody(soak, ['a', 'b', 'c'], 1)) as { events: { gameId: string }[] };
    assert.equal(body.events.length, 10);
    assert.deepEqual(
      body.events.slice(0, 3).map((e) => e.gameId),
      ['b', 'c', 'a'],
    );
  });

  it('judges each threshold as k6 does, and a threshold with no data as breached', () => {
    const { ingest } = scenarioShapes();
    const tags = { scenario: 'ingest', endpoint: 'events' };
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    const measured = new Map<string, Measurement>([
      [thresholdKey({ metric: 'http_req_duration', tags }), { kind: 'trend', values: latencies }],
      [thresholdKey({ metric: 'http_req_failed', tags }), { kind: 'rate', hits: 1, total: 100 }],
    ]);
    const list = verdicts(ingest, measured);
    assert.deepEqual(
      list.map((v) => [v.expression, v.ok]),
      [
        ['p(95)<500', true],
        ['p(99)<1000', true],
        ['rate<0.005', false],
        ['count<=120', false],
      ],
    );
    assert.equal(list[0]?.observed, percentile(latencies, 95));
    for (const spec of thresholdsFor(ingest)) assert.ok(Number.isNaN(observe(spec, undefined)));
    const text = formatVerdicts(list);
    assert.match(
      text,
      /✓ http_req_duration\{endpoint:events,scenario:ingest\}\s+p\(95\)<500\s+p\(95\)=95\.05/,
    );
    assert.match(text, /✗ dropped_iterations\{scenario:ingest\}\s+count<=120\s+no data/);
  });

  it('accepts a complete, ordered game history with a repeat, and measures its lags', () => {
    const items = historyOf(['sent-1', 'sent-2']);
    const withRepeat = [...items, items[3] as HistoryItem];
    const report = analyseGame(gameId, withRepeat, ['sent-1', 'sent-2'], { totalRounds: 1 });
    assert.deepEqual(report.problems, []);
    assert.ok(report.ok);
    assert.equal(report.expected, 2 + 5);
    assert.equal(report.delivered, 7);
    assert.deepEqual(report.timerLagsMs, [10, 10, 10, 10]);
    assert.ok(report.broadcastLatenciesMs.every((ms) => ms === 20));
    assert.deepEqual(currentPhase(items), { status: 'completed', round: 1 });
    assert.equal(timetokenMs('17000000000001234'), 1700000000000);
  });

  it('reports a gap, a reordering, a missing event and an unfinished game', () => {
    const items = historyOf(['sent-1']);
    const gap = analyseGame(
      gameId,
      items.filter((_, i) => i !== 2),
      ['sent-1'],
      { totalRounds: 1 },
    );
    assert.ok(!gap.ok);
    assert.match(gap.problems.join(';'), /sequence 4 at position 3/);

    const swapped = [...items];
    [swapped[2], swapped[3]] = [swapped[3] as HistoryItem, swapped[2] as HistoryItem];
    assert.match(analyseGame(gameId, swapped, ['sent-1'], { totalRounds: 1 }).problems.join(';'), /sequence/);

    const missing = analyseGame(gameId, items, ['sent-1', 'never-arrived'], { totalRounds: 1 });
    assert.match(missing.problems.join(';'), /1 of 2 sent events missing/);
    assert.equal(missing.expected - missing.delivered, 1);

    const unfinished = analyseGame(gameId, items.slice(0, 3), ['sent-1'], { totalRounds: 1 });
    assert.match(unfinished.problems.join(';'), /ended in drawing/);
    assert.match(
      analyseGame(gameId, items, ['sent-1'], { totalRounds: 2 }).problems.join(';'),
      /results -> completed/,
    );
  });
});

describe('load tests: the game backend stand-in', () => {
  let db: TestDatabase;
  let backend: GameBackend;

  before(async () => {
    db = await createTestDatabase();
    backend = await startGameBackend({ databaseUrl: db.url, port: 0 });
  });

  after(async () => {
    await backend.stop();
    await db.drop();
  });

  const post = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${backend.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('creates games, starts one once, and refuses what it cannot do', async () => {
    const created = await post('/games', { count: 3, totalRounds: 2, phaseDurations: { briefing: 30 } });
    assert.equal(created.status, 201);
    const { gameIds } = (await created.json()) as { gameIds: string[] };
    assert.equal(gameIds.length, 3);
    const first = gameIds[0] ?? '';
    assert.equal((await post(`/games/${first}/start`)).status, 204);
    assert.equal((await post(`/games/${first}/start`)).status, 409);
    assert.equal((await post('/games/not-a-uuid/start')).status, 404);
    assert.equal((await post('/games', { count: 0 })).status, 400);

    const started = (
      await post('/games', { count: 2, start: true, phaseDurations: { briefing: 30 } })
    ).json();
    const { gameIds: running } = (await started) as { gameIds: string[] };
    assert.equal(running.length, 2);
  });

  it("cancels the unfinished games of a run once (k6 teardown), and only that run's", async () => {
    const runGames = async (runId: string, count: number): Promise<string[]> =>
      ((await (await post('/games', { count, runId, start: true })).json()) as { gameIds: string[] }).gameIds;
    const mine = await runGames('k6-ingest-a1', 2);
    const other = await runGames('k6-ingest-b2', 1);
    const cancelled = await post('/runs/k6-ingest-a1/cancel');
    assert.equal(cancelled.status, 200);
    assert.deepEqual(await cancelled.json(), { cancelled: 2 });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client
      .query<{ id: string; status: string }>(
        'SELECT id::text, status FROM games WHERE id = ANY($1::uuid[]) ORDER BY status',
        [[...mine, ...other]],
      )
      .finally(() => client.end());
    assert.deepEqual(
      rows.map((r) => [other.includes(r.id), r.status]),
      [
        [true, 'briefing'],
        [false, 'cancelled'],
        [false, 'cancelled'],
      ],
    );
    assert.deepEqual(await (await post('/runs/k6-ingest-a1/cancel')).json(), { cancelled: 0 });
    assert.equal((await post('/games', { runId: 'a b' })).status, 400);
  });

  it('off loopback it needs a token, and then refuses callers without it', async () => {
    await assert.rejects(
      startGameBackend({ databaseUrl: db.url, port: 0, host: '0.0.0.0' }),
      /needs a token of 16 characters or more/,
    );
    const token = 'stand-in-token-0123456789';
    const guarded = await startGameBackend({ databaseUrl: db.url, port: 0, token });
    try {
      const create = (headers: Record<string, string>): Promise<Response> =>
        fetch(`${guarded.url}/games`, { method: 'POST', headers, body: '{}' });
      assert.equal((await create({})).status, 401);
      assert.equal((await create({ authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await create({ authorization: `Bearer ${token}` })).status, 201);
      assert.equal((await fetch(`${guarded.url}/livez`)).status, 200, 'liveness stays open');
    } finally {
      await guarded.stop();
    }
  });

  it('validates the create request', () => {
    assert.deepEqual(parseCreateRequest({}), { count: 1, totalRounds: 3, phaseDurations: {}, start: false });
    assert.equal(parseCreateRequest({ totalRounds: 0 }), 'totalRounds must be an integer from 1 to 100');
    assert.equal(
      parseCreateRequest({ phaseDurations: { drawing: 'x' } }),
      'phaseDurations.drawing must be a number',
    );
    assert.equal(parseCreateRequest(null), 'body must be a JSON object');
    assert.equal(parseCreateRequest({ count: 10_001 }), 'count must be an integer from 1 to 10000');
  });
});
