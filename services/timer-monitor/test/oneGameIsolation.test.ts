import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import pg from 'pg';
import winston from 'winston';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
  type TransitionEvent,
} from '../src/index.ts';
import { auditOf, countInStatus, createStartedGames } from './helpers.ts';

/** A JSON logger whose lines the test can read. */
function capturingLogger(): { logger: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.json(),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's own Stream transport; its typings come from a second copy of winston-transport
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}

async function metric(monitor: TimerMonitorService, name: string, labels: Record<string, string> = {}) {
  const values =
    (await monitor.registry.getSingleMetric(`sketchyaf_realtime_timer_${name}`)?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('timer monitor: one game never delays the others', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let monitor: TimerMonitorService | undefined;
  let holder: pg.Client | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterEach(async () => {
    await holder?.end().catch(() => undefined);
    holder = undefined;
    await monitor?.stop();
    monitor = undefined;
    await pool.end();
    await db.drop();
  });

  async function start(env: Record<string, string> = {}) {
    const { logger, lines } = capturingLogger();
    const config = loadTimerMonitorConfig({ DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'info', ...env });
    monitor = await startTimerMonitor(config, { logger });
    return { service: monitor, lines };
  }

  it('quarantines a game whose stored phase_durations breaks its transition; the rest of its batch commits', async () => {
    const { service, lines } = await start({
      TIMER_QUARANTINE_RETRY_MS: '1500',
      TIMER_QUARANTINE_RETRY_MAX_MS: '1500',
    });
    const ids = await createStartedGames(pool, 200, () => ({ briefing: 1, drawing: 60 }), 1);
    const bad = ids[137] as string;
    // A row written before validation existed: its drawing length is not a number.
    await pool.query('ALTER TABLE games DISABLE TRIGGER games_before_durations');
    await pool.query(
      `UPDATE games SET phase_durations = '{"briefing": 1, "drawing": "1 minute"}' WHERE id = $1`,
      [bad],
    );
    await pool.query('ALTER TABLE games ENABLE TRIGGER games_before_durations');

    const transitions: TransitionEvent[] = [];
    service.monitor.on('transition', (t) => transitions.push(t));
    await waitFor('the other 199 in drawing', async () =>
      (await countInStatus(pool, ids, 'drawing')) === 199 ? true : undefined,
    );
    const lags = transitions.map((t) => t.lagMs).sort((a, b) => a - b);
    console.log(
      `    199 good games of the batch advanced, lag max ${Math.round(lags.at(-1) ?? 0)} ms; splits ${await metric(service, 'batch_splits_total')}`,
    );
    assert.ok((lags.at(-1) ?? 0) < 1000, `the good games were not held back: ${lags.at(-1)} ms`);
    assert.equal(await countInStatus(pool, [bad], 'briefing'), 1, 'the bad game did not move');
    await waitFor('quarantine gauge', async () =>
      (await metric(service, 'quarantined_games')) === 1 ? true : undefined,
    );
    assert.ok((await metric(service, 'quarantines_total', { kind: 'data' })) >= 1);
    assert.equal(service.monitor.quarantinedGames, 1);
    const logged = lines.filter(
      (l) => l['message'] === 'game quarantined: its transition fails on its own row',
    );
    assert.ok(logged.length >= 1, 'a log line');
    assert.equal(logged[0]?.['gameId'], bad);
    assert.equal(logged[0]?.['sqlState'], '22P02');
    const err = logged[0]?.['err'] as { message: string; stack: string; code: string };
    assert.match(err.message, /invalid input syntax/);
    assert.match(err.stack, /invalid input syntax[^]*\n\s+at /, 'with its stack');
    assert.equal(err.code, '22P02');
    assert.match(String(logged[0]?.['requestId']), /^tm-/, 'the batch it failed in');

    // Retried at its pace, not in a loop: the next try comes about 1.5 s later (waited for, not slept).
    const before = await metric(service, 'quarantines_total');
    const waitStarted = performance.now();
    await waitFor(
      'the next try',
      async () => ((await metric(service, 'quarantines_total')) > before ? true : undefined),
      { timeoutMs: 5000 },
    );
    const paceMs = performance.now() - waitStarted;
    const tries = (await metric(service, 'quarantines_total')) - before;
    console.log(`    quarantined game retried after ${Math.round(paceMs)} ms (retry every 1.5 s)`);
    assert.equal(tries, 1, 'one try at a time');
    assert.ok(paceMs <= 3000, `retried at its pace (1.5 s), not given up: ${Math.round(paceMs)} ms`);

    // Fixed by an operator (no version change, no NOTIFY): it advances at its next retry.
    await pool.query(`UPDATE games SET phase_durations = '{"briefing": 1, "drawing": 60}' WHERE id = $1`, [
      bad,
    ]);
    await waitFor(
      'the fixed game in drawing',
      async () => ((await countInStatus(pool, [bad], 'drawing')) === 1 ? true : undefined),
      { timeoutMs: 5000 },
    );
    // The commit is visible a moment before the monitor has read its answer.
    await waitFor('the gauge back to 0', async () =>
      (await metric(service, 'quarantined_games')) === 0 ? true : undefined,
    );
    const audit = await auditOf(pool, [bad]);
    assert.deepEqual(
      audit.get(bad)?.map((r) => r.to_status),
      ['briefing', 'drawing'],
      'the fixed game advanced once',
    );
  });

  it('skips a game whose row another transaction holds, retries it on a short back-off, and advances it once after release', async () => {
    const { service } = await start();
    const ids = await createStartedGames(pool, 300, () => ({ briefing: 1, drawing: 60 }), 1);
    const locked = ids[42] as string;
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM games WHERE id = $1 FOR UPDATE', [locked]);

    const transitions: TransitionEvent[] = [];
    service.monitor.on('transition', (t) => transitions.push(t));
    await waitFor('the other 299 in drawing', async () =>
      (await countInStatus(pool, ids, 'drawing')) === 299 ? true : undefined,
    );
    const lags = transitions.map((t) => t.lagMs).sort((a, b) => a - b);
    const p99 = lags[Math.floor(lags.length * 0.99)] ?? 0;
    console.log(`    299 other games: lag p99 ${Math.round(p99)} ms, max ${Math.round(lags.at(-1) ?? 0)} ms`);
    assert.ok(p99 < 500, `others on time: p99 ${p99} ms`);

    const missesAt = async () => metric(service, 'cas_misses_total', { reason: 'locked' });
    const startMisses = await missesAt();
    const watchStarted = performance.now();
    // 25 ms doubling: four more tries take at least 25 + 50 + 100 + 200 ms from the first skip,
    // and a hot loop would make them in a few ms (waited for, not slept).
    await waitFor(
      'four more retries',
      async () => ((await missesAt()) - startMisses >= 4 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
    const retries = (await missesAt()) - startMisses;
    const watchedMs = performance.now() - watchStarted;
    console.log(
      `    locked game skipped ${retries} times in ${Math.round(watchedMs)} ms (25 ms doubling to 1 s)`,
    );
    assert.ok(
      retries <= 6 && watchedMs >= 150,
      `bounded retries, no hot loop: ${retries} in ${Math.round(watchedMs)} ms`,
    );
    assert.equal(await countInStatus(pool, [locked], 'briefing'), 1);

    await holder.query('ROLLBACK');
    const releasedAt = Date.now();
    await waitFor(
      'the locked game in drawing',
      async () => ((await countInStatus(pool, [locked], 'drawing')) === 1 ? true : undefined),
      { timeoutMs: 5000, intervalMs: 20 },
    );
    console.log(`    locked game advanced ${Date.now() - releasedAt} ms after release`);
    const audit = await auditOf(pool, [locked]);
    assert.deepEqual(
      audit.get(locked)?.map((r) => r.to_status),
      ['briefing', 'drawing'],
      'once',
    );
  });

  it('treats a trigger failing every row as the database: the replica backs off, no split storm, hardly a game quarantined', async () => {
    const { service } = await start({
      TIMER_QUARANTINE_RETRY_MS: '1000',
      TIMER_QUARANTINE_RETRY_MAX_MS: '1000',
    });
    // A bad release: a trigger that refuses every transition.
    await pool.query(`CREATE FUNCTION test_refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by a broken release'; END $$`);
    await pool.query(
      `CREATE TRIGGER test_refuse_all BEFORE UPDATE OF status ON games FOR EACH ROW
       WHEN (OLD.status <> 'waiting') EXECUTE FUNCTION test_refuse_all()`,
    );
    const ids = await createStartedGames(pool, 500, () => ({ briefing: 0.5, drawing: 60 }), 1);
    await waitFor('the first failure', async () =>
      (await metric(service, 'batch_failures_total')) >= 1 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const quarantined = await metric(service, 'quarantined_games');
    const statements = await metric(service, 'batch_failures_total');
    console.log(
      `    broken trigger: ${quarantined} of 500 games quarantined, ${statements} failed statements in 4 s`,
    );
    // A batch of hundreds stops splitting after 15 failures with nothing committed and backs off (200 ms
    // doubling); only a game that happened to be due alone or in a tiny batch can be taken for a culprit.
    assert.ok(quarantined <= 5, `${quarantined} healthy games quarantined`);
    assert.ok(statements < 200, `${statements} failed statements: no split storm`);
    await pool.query('DROP TRIGGER test_refuse_all ON games');
    await waitFor(
      'all 500 in drawing once the release is rolled back',
      async () => ((await countInStatus(pool, ids, 'drawing')) === 500 ? true : undefined),
      { timeoutMs: 15_000 },
    );
  });

  it('ignores a burst of malformed NOTIFYs (counted, no reload storm) and keeps firing', async () => {
    const { service, lines } = await start();
    // The listener's first connection reloads once; count from after it.
    await waitFor('listener connected', async () =>
      (await metric(service, 'listener_connected')) === 1 ? true : undefined,
    );
    await service.monitor.reload();
    const reloadsBefore = await metric(service, 'reloads_total');
    // Distinct payloads: PostgreSQL folds identical notifications of one transaction into one.
    const garbage = Array.from(
      { length: 1000 },
      (_, i) =>
        [
          `nonsense ${i}`,
          `{"g": [["not-a-uuid-${i}", 1, 5]]}`,
          `{"reload": "x${i}"}`,
          `[${i}]`,
          `{"g": [["6f1c0d7e-0000-4000-8000-000000000001", 1e300, ${i}]]}`,
        ][i % 5],
    );
    const ids = await createStartedGames(pool, 100, () => ({ briefing: 1, drawing: 60 }), 1);
    await pool.query("SELECT pg_notify('realtime_deadlines', p) FROM unnest($1::text[]) AS p", [garbage]);
    await waitFor('1,000 malformed counted', async () =>
      (await metric(service, 'notifications_total', { kind: 'malformed' })) === 1000 ? true : undefined,
    );
    await waitFor('all 100 in drawing', async () =>
      (await countInStatus(pool, ids, 'drawing')) === 100 ? true : undefined,
    );
    // One reload: the genuine {"reload": 100} of starting 100 games in one statement; none from the garbage.
    assert.equal(await metric(service, 'reloads_total'), reloadsBefore + 1, 'no reload from garbage');
    assert.equal(await metric(service, 'notifications_total', { kind: 'reload' }), 1);
    const logged = lines.filter((l) => l['message'] === 'ignored a malformed deadline notification');
    assert.ok(logged.length >= 1 && logged.length <= 2, `rate-limited log: ${logged.length} lines`);
  });
});
