import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { waitFor } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { exampleEvents } from '../../services/broadcaster/test/examples.ts';
import { metricValue } from '../../services/broadcaster/test/helpers.ts';
import { killAll, spawnReplica, type ReplicaProcess } from './replicas.ts';
import { sharedDatabaseUnderTest, type ServerUnderTest } from './servers.ts';

// One bad game never delays the others (issue 13, acceptance 5): a row held locked for 15 s,
// 1,000 garbage NOTIFYs on every channel the services LISTEN to, and a game whose stored
// phase_durations breaks its transition, all during a steady load of 300 timed games and ingest.

const games = 300;
const rounds = 16;
const lockMs = 15_000;
const apiToken = 'fault-token-0123456789abcdef';
/** Ingest loops, each posting one event at a time to a game of its own slice. */
const ingestLoops = 8;

interface Window {
  from: number;
  to: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

/** Lag of the timer's transitions (commit time minus deadline) of games other than `except`, deadlines in `w`. */
async function transitionLags(pool: pg.Pool, w: Window, except: readonly string[]): Promise<number[]> {
  const { rows } = await pool.query<{ lag: number }>(
    `SELECT (extract(epoch FROM committed_at - deadline) * 1000)::float8 AS lag FROM game_transitions
     WHERE source = 'timer-monitor' AND deadline >= to_timestamp($1 / 1000.0) AND deadline < to_timestamp($2 / 1000.0)
       AND NOT (game_id = ANY($3::uuid[]))
     ORDER BY lag`,
    [w.from, w.to, except],
  );
  return rows.map((r) => r.lag);
}

interface IngestSample {
  at: number;
  ms: number;
  status: number;
}

function inWindow(samples: readonly IngestSample[], w: Window): number[] {
  return samples
    .filter((s) => s.at >= w.from && s.at < w.to)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
}

const fmt = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');

describe('faults: one bad game among 300 (locked row 15 s, garbage NOTIFYs, bad stored data)', function () {
  let postgres: ServerUnderTest | undefined;
  let pool: pg.Pool | undefined;
  let pubnub: PubnubLocalHandle | undefined;
  const replicas: ReplicaProcess[] = [];
  let holder: pg.Client | undefined;

  before(async () => {
    postgres = await sharedDatabaseUnderTest();
    pool = new pg.Pool({ connectionString: postgres.url, max: 6 });
    pubnub = await startPubnubLocal({ port: 0 });
    const env = {
      APP_ENV: 'staging',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: postgres.url,
      PUBNUB_ORIGIN: pubnub.url,
      PUBNUB_PUBLISH_KEY: 'pub-c-local',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-local',
      BROADCAST_API_TOKENS: apiToken,
      RELAY_POLL_INTERVAL_MS: '500',
      TIMER_QUARANTINE_RETRY_MS: '2000',
      TIMER_QUARANTINE_RETRY_MAX_MS: '2000',
    };
    // One of each: without REDIS_URL each owns every shard, so all 300 games share one monitor's batches.
    replicas.push(await spawnReplica('timer-monitor', env), await spawnReplica('broadcaster', env));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const r of replicas) console.log(`--- ${r.kind} pid ${r.child.pid ?? '?'}:\n${r.recentOutput()}`);
  });

  after(async () => {
    await holder?.end().catch(() => undefined);
    killAll(replicas);
    await pubnub?.stop();
    await pool?.end();
    await postgres?.dispose();
  });

  it('the others keep their timing and ingest; the locked game advances once after release; the bad game is quarantined', async () => {
    assert.ok(pool && postgres);
    const db = pool;
    const [timers, broadcaster] = replicas as [ReplicaProcess, ReplicaProcess];
    const timerMetrics = async (): Promise<string> => (await fetch(`${timers.url}/metrics`)).text();

    // 300 games with 0.4-0.8 s phases; 20 of them (the bad one among them) share one deadline, so one batch.
    const phase = (i: number, k: number): number => 0.4 + ((i * 7 + k * 13) % 5) / 10;
    const specs = Array.from({ length: games }, (_, i) =>
      JSON.stringify(
        i < 20
          ? { briefing: 1, drawing: 0.5, voting: 0.5, results: 0.5 }
          : { briefing: phase(i, 0), drawing: phase(i, 1), voting: phase(i, 2), results: phase(i, 3) },
      ),
    );
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO games (total_rounds, phase_durations) SELECT $2, d::jsonb FROM unnest($1::text[]) AS d RETURNING id',
      [specs, rounds],
    );
    const ids = rows.map((r) => r.id);
    const batchMates = ids.slice(0, 20);
    const bad = ids[7] as string;
    const locked = ids[150] as string;
    // A row written before validation: drawing is not a number, so briefing -> drawing fails (22P02).
    await db.query('ALTER TABLE games DISABLE TRIGGER games_before_durations');
    await db.query(
      `UPDATE games SET phase_durations = '{"briefing": 1, "drawing": "half a second", "voting": 0.5, "results": 0.5}'
       WHERE id = $1`,
      [bad],
    );
    await db.query('ALTER TABLE games ENABLE TRIGGER games_before_durations');
    await db.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [batchMates]);
    await db.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids.slice(20)]);
    const loadAt = Date.now();

    // Steady ingest into the timed games (not the locked one), one request at a time per loop.
    const samples: IngestSample[] = [];
    const lockedAnswers: { ms: number; status: number; code: string }[] = [];
    let ingesting = true;
    const post = async (gameId: string, type: string): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${broadcaster.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
        body: JSON.stringify(exampleEvents(gameId)[type]),
      });
      return { status: res.status, body: await res.json() };
    };
    const others = ids.filter((id) => id !== locked && id !== bad);
    const loops = Array.from({ length: ingestLoops }, async (_, loop) => {
      for (let n = 0; ingesting; n += 1) {
        const gameId = others[(loop + n * ingestLoops) % others.length] as string;
        const started = performance.now();
        const { status } = await post(gameId, 'vote_cast');
        samples.push({ at: Date.now(), ms: performance.now() - started, status });
        await sleep(10);
      }
    });

    // The bad game: the 19 others of its batch advance, it is quarantined.
    await waitFor(
      'the bad game quarantined',
      async () =>
        (metricValue(await timerMetrics(), 'sketchyaf_realtime_timer_quarantined_games') ?? 0) === 1
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const mates = await db.query<{ lag: number }>(
      `SELECT (extract(epoch FROM committed_at - deadline) * 1000)::float8 AS lag FROM game_transitions
       WHERE game_id = ANY($1::uuid[]) AND to_status = 'drawing' AND round = 1 ORDER BY lag`,
      [batchMates.filter((id) => id !== bad)],
    );
    const mateLagMax = mates.rows.at(-1)?.lag ?? Number.NaN;
    console.log(
      `    bad stored data: quarantined; the other ${mates.rows.length} games of its batch advanced, lag max ${fmt(mateLagMax)}`,
    );
    assert.equal(mates.rows.length, 19, 'the rest of the batch committed');
    assert.ok(mateLagMax < 1000, `batch mates not held back: ${mateLagMax} ms`);
    const quarantineLine = timers.warnings().find((l) => l.includes('game quarantined'));
    assert.ok(
      quarantineLine?.includes(bad) && quarantineLine.includes('22P02'),
      'one log line with id and SQLSTATE',
    );

    // Baseline, then a backend transaction holds one game's row for 15 s.
    await sleep(Math.max(0, loadAt + 6000 - Date.now()));
    const baseline: Window = { from: loadAt + 2000, to: Date.now() };
    holder = new pg.Client({ connectionString: postgres.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM games WHERE id = $1 FOR UPDATE', [locked]);
    const lockedAt = Date.now();
    const lockedVersion = Number(
      (await db.query<{ v: string }>('SELECT version::text AS v FROM games WHERE id = $1', [locked])).rows[0]
        ?.v,
    );
    // A caller writing to the locked game gets a clear, retryable answer, not a hang.
    const probing = (async () => {
      while (Date.now() < lockedAt + lockMs - 2000) {
        const started = performance.now();
        const { status, body } = await post(locked, 'vote_cast');
        const code = (body as { error?: { code?: string } }).error?.code ?? '';
        lockedAnswers.push({ ms: performance.now() - started, status, code });
        await sleep(500);
      }
    })();
    await sleep(lockMs);
    await holder.query('ROLLBACK');
    const releasedAt = Date.now();
    await probing;
    const during: Window = { from: lockedAt, to: releasedAt };

    const advancedAfter = await waitFor(
      'the locked game to advance',
      async () => {
        const r = await db.query<{ at: number }>(
          `SELECT (extract(epoch FROM committed_at) * 1000)::float8 AS at FROM game_transitions
           WHERE game_id = $1 AND version = $2`,
          [locked, lockedVersion + 1],
        );
        return r.rows[0] ? r.rows[0].at - releasedAt : undefined;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );

    // 1,000 garbage NOTIFYs on each channel the services LISTEN to, distinct so none are folded.
    const garbageAt = Date.now();
    const malformedBefore =
      metricValue(await timerMetrics(), 'sketchyaf_realtime_timer_notifications_total', 'kind="malformed"') ??
      0;
    const reloadsBefore = metricValue(await timerMetrics(), 'sketchyaf_realtime_timer_reloads_total') ?? 0;
    for (const channel of ['realtime_deadlines', 'realtime_outbox']) {
      await db.query(
        `SELECT pg_notify($1, CASE i % 4 WHEN 0 THEN 'garbage ' || i WHEN 1 THEN '{"g": [["x' || i || '", 1, 2]]}'
                                          WHEN 2 THEN '{"reload": "all' || i || '"}' ELSE repeat('z', 7000) || i END)
         FROM generate_series(1, 1000) AS i`,
        [channel],
      );
    }
    await sleep(5000);
    const garbage: Window = { from: garbageAt, to: Date.now() };
    const timerText = await timerMetrics();
    const malformed =
      (metricValue(timerText, 'sketchyaf_realtime_timer_notifications_total', 'kind="malformed"') ?? 0) -
      malformedBefore;
    const reloads = (metricValue(timerText, 'sketchyaf_realtime_timer_reloads_total') ?? 0) - reloadsBefore;
    const relayMalformed =
      metricValue(
        await (await fetch(`${broadcaster.url}/metrics`)).text(),
        'sketchyaf_realtime_relay_notifications_total',
        'kind="malformed"',
      ) ?? 0;
    ingesting = false;
    await Promise.all(loops);

    // Fixed by an operator: the quarantined game advances at its next retry (every 2 s here).
    await db.query(
      `UPDATE games SET phase_durations = '{"briefing": 1, "drawing": 0.5, "voting": 0.5, "results": 0.5}' WHERE id = $1`,
      [bad],
    );
    await waitFor(
      'every game to complete',
      async () => {
        const r = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) AND status <> 'completed'",
          [ids],
        );
        return r.rows[0]?.n === 0 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    const exclude = [locked, bad];
    const lag = {
      baseline: await transitionLags(db, baseline, exclude),
      during: await transitionLags(db, during, exclude),
      garbage: await transitionLags(db, garbage, exclude),
    };
    const ingest = {
      baseline: inWindow(samples, baseline),
      during: inWindow(samples, during),
      garbage: inWindow(samples, garbage),
    };
    const failed = samples.filter((s) => s.status !== 202);
    const line = (name: string, l: number[], i: number[]): string =>
      `    ${name}: transition lag p99 ${fmt(percentile(l, 0.99))} (max ${fmt(l.at(-1) ?? Number.NaN)}, ${l.length} transitions); ` +
      `ingest p99 ${fmt(percentile(i, 0.99))} (${i.length} requests)`;
    console.log(line('baseline              ', lag.baseline, ingest.baseline));
    console.log(line('row locked 15 s       ', lag.during, ingest.during));
    console.log(line('1,000 garbage NOTIFYs x2', lag.garbage, ingest.garbage));
    const busy = lockedAnswers.filter((a) => a.status === 503 && a.code === 'game_busy');
    console.log(
      `    locked game: advanced ${fmt(advancedAfter)} after release; its callers got ${busy.length}/${lockedAnswers.length} x 503 game_busy, ` +
        `slowest in ${fmt(Math.max(...lockedAnswers.map((a) => a.ms)))}`,
    );
    console.log(
      `    garbage: ${malformed} malformed deadline and ${relayMalformed} malformed outbox notifications counted, ${reloads} reloads; ` +
        `ingest errors ${failed.length} of ${samples.length}`,
    );

    assert.ok(
      percentile(lag.during, 0.99) <= 250,
      `others' lag p99 during the lock ${percentile(lag.during, 0.99)} ms`,
    );
    assert.ok(
      percentile(ingest.during, 0.99) <= 1000,
      `others' ingest p99 during the lock ${percentile(ingest.during, 0.99)} ms`,
    );
    assert.ok(lag.during.length > 1000, 'the others kept transitioning');
    assert.ok(advancedAfter < 2000, `the locked game advanced ${advancedAfter} ms after release`);
    assert.ok(
      busy.length >= 1 && busy.length === lockedAnswers.length,
      'the locked game answered 503 game_busy',
    );
    assert.ok(Math.max(...lockedAnswers.map((a) => a.ms)) < 3000, 'no hanging request');
    assert.equal(malformed, 1000, 'every garbage deadline notification ignored and counted');
    assert.equal(reloads, 0, 'no reload storm');
    assert.equal(relayMalformed, 1000, 'every garbage outbox notification ignored and counted');
    // "Unchanged": within the noise of this machine, and far from the 6 s stall the issue reported.
    assert.ok(
      percentile(lag.garbage, 0.99) <= Math.max(250, 2 * percentile(lag.baseline, 0.99)),
      `lag p99 with garbage ${percentile(lag.garbage, 0.99)} ms vs ${percentile(lag.baseline, 0.99)} ms before`,
    );
    assert.ok(lag.garbage.length > 300, 'transitions went on during the garbage');
    assert.equal(
      failed.length,
      0,
      `ingest for the other games never failed: ${JSON.stringify(failed.slice(0, 3))}`,
    );

    // Each transition once, the locked and the quarantined game included.
    const audit = await db.query<{ game_id: string; versions: string[] }>(
      `SELECT game_id::text, array_agg(version::text ORDER BY version) AS versions FROM game_transitions
       WHERE game_id = ANY($1::uuid[]) GROUP BY game_id`,
      [ids],
    );
    const steps = 1 + 4 * rounds;
    assert.equal(audit.rows.length, games);
    for (const r of audit.rows)
      assert.deepEqual(
        r.versions.map(Number),
        Array.from({ length: steps }, (_, i) => i + 1),
        `each version of ${r.game_id} once`,
      );
    // The relay did not stall: everything ingested and every phase change is published.
    await waitFor(
      'the outbox published',
      async () => {
        const r = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL',
        );
        return r.rows[0]?.n === 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(metricValue(await timerMetrics(), 'sketchyaf_realtime_timer_quarantined_games'), 0);
  });
});
