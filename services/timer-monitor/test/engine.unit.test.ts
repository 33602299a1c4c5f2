import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { createSilentLogger, shardOf } from '@sketchyaf/core';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { DatabaseClock } from '../src/databaseClock.ts';
import { replicaBackoffMs } from '../src/gameRetryPolicy.ts';
import { createTimerMetrics } from '../src/metrics.ts';
import { TimerMonitor, type TimerMonitorSettings, type TransitionEvent } from '../src/timerMonitor.ts';
import { InMemoryTimerStore, sqlError } from './inMemoryTimerStore.ts';

const epoch = 1_700_000_000_000;

interface EngineOptions {
  settings?: Partial<TimerMonitorSettings>;
  gate?: { paused: boolean };
  holdsShard?: (shard: number) => boolean;
}

/** The timer monitor's engine on a manual clock against an in-memory store: its decisions, without PostgreSQL. */
function engine(options: EngineOptions = {}) {
  const clock = new ManualClock({ startAt: epoch });
  const store = new InMemoryTimerStore(clock, 1000);
  const settings: TimerMonitorSettings = {
    shardCount: 4,
    batchSize: 10,
    maxInFlight: 2,
    sweepIntervalMs: 60_000,
    fireMarginMs: 2,
    ...options.settings,
  };
  const monitor = new TimerMonitor({
    store,
    clock,
    databaseClock: new DatabaseClock(clock, () => store.now()),
    logger: createSilentLogger(),
    metrics: createTimerMetrics(new Registry()),
    settings,
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.holdsShard ? { holdsShard: options.holdsShard } : {}),
  });
  const transitions: (TransitionEvent & { firedAt: number })[] = [];
  monitor.on('transition', (t) => transitions.push({ ...t, firedAt: clock.now() }));
  return { clock, store, monitor, transitions, settings };
}

/** Game ids: uuids, as the queue requires. */
const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);

describe('timer monitor engine (in-memory store, manual clock)', () => {
  it('fires each game at its deadline plus the margin, in batches of at most batchSize', async () => {
    const { clock, store, monitor, transitions } = engine();
    for (const id of ids(25)) store.addGame(id, epoch + 100);
    await monitor.start(null);
    await clock.tick(101);
    assert.equal(transitions.length, 0, 'not before deadline + margin');
    await clock.tick(1);
    assert.equal(transitions.length, 25);
    assert.ok(transitions.every((t) => t.firedAt === epoch + 102 && t.lagMs === 2 && t.from === 'drawing'));
    assert.deepEqual(
      store.statements.map((s) => s.length),
      [10, 10, 5],
    );
    await clock.tick(1001);
    assert.equal(transitions.length, 25, 'the next phase falls due a phase after the transition');
    await clock.tick(1);
    assert.equal(transitions.length, 50);
    await monitor.stop();
    assert.equal(clock.pending, 0, 'stop leaves no timer');
  });

  it('keeps at most maxInFlight statements out, and sends the next as soon as one answers', async () => {
    const { clock, store, monitor, transitions } = engine({ settings: { batchSize: 5, maxInFlight: 2 } });
    for (const id of ids(30)) store.addGame(id, epoch + 50);
    store.hold = true;
    await monitor.start(null);
    await clock.tick(60);
    assert.equal(store.inFlight, 2);
    assert.equal(monitor.statementsInFlight, 2);
    assert.equal(clock.pending, 1, 'every slot busy: no wake armed for work already due (only the sweep)');
    let releases = 0;
    for (; releases < 10 && transitions.length < 30; releases += 1) {
      store.release();
      await clock.flush();
      assert.ok(store.inFlight <= 2);
    }
    assert.equal(transitions.length, 30);
    assert.equal(releases, 3, 'two statements of five per answer round');
    assert.equal(store.maxInFlight, 2);
    store.hold = false;
    store.release();
    await monitor.stop();
  });

  it('starts nothing while paused, and fires what fell due once resumed', async () => {
    const gate = { paused: true };
    const { clock, store, monitor, transitions } = engine({ gate });
    for (const id of ids(3)) store.addGame(id, epoch + 100);
    await monitor.start(null);
    await clock.tick(5000);
    assert.equal(store.statements.length, 0);
    assert.equal(clock.pending, 1, 'no wake armed while paused: only the safety sweep');
    gate.paused = false;
    monitor.controlChanged();
    await clock.flush();
    assert.equal(transitions.length, 3);
    assert.ok(transitions.every((t) => t.lagMs === 4900));
    await monitor.stop();
  });

  it('backs the replica off after a database fault, and resumes at once when the database is back', async () => {
    const { clock, store, monitor, transitions } = engine();
    for (const id of ids(4)) store.addGame(id, epoch + 100);
    store.failAll = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    await monitor.start(null);
    await clock.tick(102);
    assert.equal(store.statements.length, 1);
    store.failAll = null;
    await clock.tick(replicaBackoffMs(1) - 1);
    assert.equal(store.statements.length, 1, 'nothing during the back-off');
    await clock.tick(1);
    assert.equal(transitions.length, 4, 'retried when the back-off ends');
    assert.equal(transitions[0]?.firedAt, epoch + 102 + replicaBackoffMs(1));

    store.failAll = Object.assign(new Error('terminating connection'), { code: 'ECONNRESET' });
    await clock.tick(1100);
    const failed = store.statements.length;
    assert.ok(failed >= 3, 'the next phase failed and is backing off');
    store.failAll = null;
    monitor.databaseBack();
    await clock.flush();
    assert.equal(store.statements.length, failed + 1, 'databaseBack ends the back-off');
    assert.equal(transitions.length, 8);
    await monitor.stop();
  });

  it('quarantines the one game whose row breaks its statement; the rest of the batch commits at once', async () => {
    const { clock, store, monitor, transitions } = engine({ settings: { batchSize: 16, maxInFlight: 1 } });
    const games = ids(16);
    for (const id of games) store.addGame(id, epoch + 100);
    const bad = games[11] ?? '';
    store.poisoned.set(bad, sqlError('22P02', 'invalid input syntax in phase_durations'));
    await monitor.start(null);
    await clock.tick(102);
    assert.equal(transitions.length, 15);
    assert.ok(!transitions.some((t) => t.gameId === bad));
    assert.equal(monitor.quarantinedGames, 1);
    assert.ok(
      store.statements.length <= 2 * 16 - 1,
      `bisection is bounded: ${store.statements.length} statements`,
    );
    store.poisoned.clear();
    await clock.tick(30_010);
    assert.equal(monitor.quarantinedGames, 0, 'released once it advances on its retry');
    assert.ok(transitions.some((t) => t.gameId === bad));
    await monitor.stop();
  });

  it('leaves out games of a shard whose lease was lost since they were queued', async () => {
    let held = true;
    const { clock, store, monitor, transitions, settings } = engine({
      holdsShard: (shard) => held || shard !== 0,
    });
    const games = ids(40);
    for (const id of games) store.addGame(id, epoch + 100);
    await monitor.start(null);
    held = false;
    await clock.tick(102);
    const lost = games.filter((id) => shardOf(id, settings.shardCount) === 0);
    assert.ok(lost.length > 0);
    assert.equal(transitions.length, games.length - lost.length);
    assert.ok(
      store.statements.flat().every((id) => !lost.includes(id)),
      'never sent',
    );
    await monitor.stop();
  });

  it('retries a game whose row another transaction holds on a short back-off, and fires it once released', async () => {
    const { clock, store, monitor, transitions } = engine();
    const [game = ''] = ids(1);
    store.addGame(game, epoch + 100);
    store.locked.add(game);
    await monitor.start(null);
    await clock.tick(102);
    assert.equal(transitions.length, 0);
    const tries = store.statements.length;
    await clock.tick(200);
    assert.ok(store.statements.length > tries, 'retried within 200 ms');
    store.locked.delete(game);
    await clock.tick(1000);
    assert.equal(transitions.filter((t) => t.gameId === game && t.from === 'drawing').length, 1);
    await monitor.stop();
  });

  it('property: any deadlines, batch sizes and in-flight limits: each game fires once per phase, at deadline + margin, within the limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        async (offsets, batchSize, maxInFlight, ticks) => {
          const { clock, store, monitor, transitions } = engine({ settings: { batchSize, maxInFlight } });
          const games = ids(offsets.length);
          games.forEach((id, i) => store.addGame(id, epoch + (offsets[i] ?? 0)));
          await monitor.start(null);
          for (const t of ticks) await clock.tick(t);
          await clock.tick(Math.max(0, 3100 - ticks.reduce((a, b) => a + b, 0)));
          const elapsed = clock.now() - epoch;
          for (const [i, id] of games.entries()) {
            const mine = transitions.filter((t) => t.gameId === id);
            const first = offsets[i] ?? 0;
            const expected = elapsed < first + 2 ? 0 : 1 + Math.floor((elapsed - first - 2) / 1002);
            assert.equal(mine.length, expected, `game ${i} fired ${mine.length} times, expected ${expected}`);
            for (const t of mine) assert.equal(t.lagMs, 2);
          }
          assert.ok(store.statements.every((s) => s.length <= batchSize));
          assert.ok(store.maxInFlight <= maxInFlight);
          await monitor.stop();
          assert.equal(clock.pending, 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
