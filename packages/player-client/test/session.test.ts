import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  defaultSessionConfig,
  newSession,
  step,
  type Effect,
  type Input,
  type Session,
  type SessionConfig,
} from '../src/session.ts';
import { retryDelay, earliest } from '../src/timing.ts';
import { eventAt } from './support.ts';

const config: SessionConfig = { ...defaultSessionConfig, gapWaitMs: 500, idleCheckMs: 10_000 };

/** Feeds inputs in turn; the effects of each, flattened, and the last step. */
function run(inputs: Input[], start: Session = newSession(0)) {
  let session = start;
  const effects: Effect[] = [];
  let wakeAt: number | null = null;
  for (const input of inputs) {
    const s = step(config, session, input);
    session = s.session;
    wakeAt = s.wakeAt;
    effects.push(...s.effects);
  }
  return { session, effects, wakeAt };
}

const delivered = (effects: Effect[]): number[] =>
  effects.flatMap((e) => (e.kind === 'deliver' ? e.events.map((x) => x.sequence) : []));
const fetches = (effects: Effect[]): number[] =>
  effects.flatMap((e) => (e.kind === 'fetch' ? [e.after] : []));

describe('player-client session (decisions)', () => {
  it('catches up on join from `after`, pages while hasMore, then reports the time taken', () => {
    const r = run([
      { kind: 'connected', now: 100 },
      { kind: 'page', events: [eventAt(1), eventAt(2)], hasMore: true, now: 150 },
      { kind: 'page', events: [eventAt(3)], hasMore: false, now: 180 },
    ]);
    assert.deepEqual(fetches(r.effects), [0, 2]);
    assert.deepEqual(delivered(r.effects), [1, 2, 3]);
    assert.deepEqual(
      r.effects.find((e) => e.kind === 'caughtUp'),
      { kind: 'caughtUp', reason: 'join', tookMs: 80, fetched: 3, delivered: 3 },
    );
    assert.equal(r.session.catchUp.state, 'idle');
    assert.equal(r.wakeAt, 180 + config.idleCheckMs, 'the idle check is next');
  });

  it('waits gapWaitMs for a missing sequence; one arriving in time needs no catch-up', () => {
    const joined = run([
      { kind: 'connected', now: 0 },
      { kind: 'page', events: [], hasMore: false, now: 10 },
    ]).session;
    const r = run(
      [
        { kind: 'live', event: eventAt(2), now: 1000 },
        { kind: 'tick', now: 1400 },
        { kind: 'live', event: eventAt(1), now: 1450 },
      ],
      joined,
    );
    assert.deepEqual(fetches(r.effects), []);
    assert.deepEqual(delivered(r.effects), [1, 2]);
    assert.equal(r.session.gapSince, null);
  });

  it('fills a gap not filled within gapWaitMs from the catch-up API, live events keep their place', () => {
    const joined = run([
      { kind: 'connected', now: 0 },
      { kind: 'page', events: [eventAt(1)], hasMore: false, now: 10 },
    ]).session;
    const first = step(config, joined, { kind: 'live', event: eventAt(3), now: 1000 });
    assert.equal(first.wakeAt, 1500);
    const r = run(
      [
        { kind: 'tick', now: 1500 },
        { kind: 'live', event: eventAt(4), now: 1510 },
        { kind: 'page', events: [eventAt(2), eventAt(3), eventAt(4)], hasMore: false, now: 1520 },
        { kind: 'live', event: eventAt(4), now: 1530 },
        { kind: 'live', event: eventAt(5), now: 1540 },
      ],
      first.session,
    );
    assert.deepEqual(fetches(r.effects), [1]);
    assert.deepEqual(delivered(r.effects), [2, 3, 4, 5]);
    const caught = r.effects.find((e) => e.kind === 'caughtUp');
    assert.equal(caught?.kind === 'caughtUp' && caught.reason, 'gap');
  });

  it('treats a reconnect as a gap: catch-up at once, and a catch-up asked for while one runs runs again after', () => {
    const r = run([
      { kind: 'connected', now: 0 },
      { kind: 'disconnected', now: 5 },
      { kind: 'connected', now: 8 },
      { kind: 'page', events: [eventAt(1)], hasMore: false, now: 10 },
      { kind: 'page', events: [eventAt(1), eventAt(2)], hasMore: false, now: 20 },
    ]);
    assert.deepEqual(fetches(r.effects), [0, 1]);
    assert.deepEqual(
      r.effects.filter((e) => e.kind === 'caughtUp').map((e) => e.kind === 'caughtUp' && e.reason),
      ['join', 'reconnect'],
    );
    assert.deepEqual(delivered(r.effects), [1, 2]);
    assert.equal(r.session.connection, 'connected');
  });

  it('asks the SDK to reconnect after it gave up, with growing delays, until it connects', () => {
    const r = run([
      { kind: 'connected', now: 0 },
      { kind: 'page', events: [], hasMore: false, now: 1 },
      { kind: 'disconnected', now: 100 },
      { kind: 'disconnected', now: 150 },
    ]);
    assert.equal(r.wakeAt, 100 + config.reconnectMinMs, 'a repeated report does not push it back');
    const t1 = step(config, r.session, { kind: 'tick', now: 2100 });
    assert.deepEqual(t1.effects, [{ kind: 'reconnect' }]);
    assert.equal(t1.wakeAt, 2100 + 2 * config.reconnectMinMs);
    const back = step(config, t1.session, { kind: 'connected', now: 3000 });
    assert.equal(back.session.reconnectAt, null);
    assert.deepEqual(fetches(back.effects), [0]);
    const idle = step(config, r.session, { kind: 'tick', now: 50_000 });
    assert.equal(
      idle.effects.filter((e) => e.kind === 'fetch').length,
      0,
      'no idle check while disconnected',
    );
  });

  it('retries a failed page with backoff and Retry-After; a refusal (403) fails for good', () => {
    const r = run([
      { kind: 'connected', now: 0 },
      { kind: 'pageFailed', error: '503', retryable: true, now: 10 },
    ]);
    assert.equal(r.session.catchUp.state, 'retrying');
    assert.equal(r.wakeAt, 10 + config.retryMinMs);
    const again = step(config, r.session, { kind: 'tick', now: 10 + config.retryMinMs });
    assert.deepEqual(fetches(again.effects), [0]);
    const limited = step(config, again.session, {
      kind: 'pageFailed',
      error: '429',
      retryable: true,
      retryAfterMs: 5000,
      now: 600,
    });
    assert.equal(limited.wakeAt, 5600);
    const refused = step(config, again.session, {
      kind: 'pageFailed',
      error: 'catch-up answered 403 forbidden',
      retryable: false,
      now: 600,
    });
    assert.deepEqual(refused.session.catchUp, {
      state: 'failed',
      reason: 'join',
      error: 'catch-up answered 403 forbidden',
    });
  });

  it('checks a quiet game every idleCheckMs (a lost last event), and stops once the game ended', () => {
    const joined = run([
      { kind: 'connected', now: 0 },
      { kind: 'page', events: [], hasMore: false, now: 0 },
    ]).session;
    const idle = step(config, joined, { kind: 'tick', now: 10_000 });
    assert.deepEqual(fetches(idle.effects), [0]);
    const ending = eventAt(1);
    ending.type = 'phase_changed';
    ending.data = { from: 'results', to: 'completed' };
    const ended = run(
      [
        { kind: 'page', events: [ending], hasMore: false, now: 10_010 },
        { kind: 'tick', now: 60_000 },
      ],
      idle.session,
    );
    assert.equal(ended.session.ended, true);
    assert.deepEqual(fetches(ended.effects), []);
    assert.equal(ended.wakeAt, null);
  });

  it('does nothing once closed', () => {
    const closed = run([
      { kind: 'connected', now: 0 },
      { kind: 'close', now: 1 },
    ]);
    const after = step(config, closed.session, { kind: 'live', event: eventAt(1), now: 2 });
    assert.deepEqual(after.effects, []);
    assert.equal(after.wakeAt, null);
  });

  it('pure helpers: backoff doubles to its cap, Retry-After wins, earliest ignores unset', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => retryDelay(n, 500, 3000)),
      [500, 1000, 2000, 3000, 3000],
    );
    assert.equal(retryDelay(1, 500, 3000, 7000), 7000);
    assert.equal(earliest(null, 5, 3, null), 3);
    assert.equal(earliest(null), null);
  });

  /**
   * A model of the world: the outbox holds 1..n; live deliveries are any
   * subsequence with repeats and reordering; connections drop and come back;
   * pages answer from the outbox (sometimes failing); the clock moves. Whatever
   * happens, the application sees a prefix of 1..n once each, in order, and
   * all of it once the world goes quiet and the clock runs on.
   */
  it('delivers every event exactly once and in order under any interleaving (property)', () => {
    const action = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ a: fc.constant('live' as const), seq: fc.integer({ min: 1, max: 30 }) }),
      },
      { weight: 1, arbitrary: fc.record({ a: fc.constant('down' as const) }) },
      { weight: 1, arbitrary: fc.record({ a: fc.constant('up' as const) }) },
      { weight: 3, arbitrary: fc.record({ a: fc.constant('answer' as const), ok: fc.boolean() }) },
      {
        weight: 3,
        arbitrary: fc.record({ a: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
      },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(action, { maxLength: 80 }),
        fc.integer({ min: 1, max: 7 }),
        (n, actions, pageSize) => {
          let now = 0;
          let session = newSession(0);
          const seen: number[] = [];
          let inFlight: number | null = null;
          let wakeAt: number | null = null;
          const cfg: SessionConfig = { ...config, maxPending: 5 };
          const apply = (input: Input): void => {
            const s = step(cfg, session, input);
            session = s.session;
            wakeAt = s.wakeAt;
            for (const e of s.effects) {
              if (e.kind === 'deliver') seen.push(...e.events.map((x) => x.sequence));
              if (e.kind === 'fetch') {
                assert.equal(inFlight, null, 'one request at a time');
                inFlight = e.after;
              }
            }
          };
          const answer = (ok: boolean): void => {
            if (inFlight === null) return;
            const after = inFlight;
            inFlight = null;
            if (!ok) {
              apply({ kind: 'pageFailed', error: '503', retryable: true, now });
              return;
            }
            const last = Math.min(n, after + pageSize);
            const events = Array.from({ length: last - after }, (_, i) => eventAt(after + i + 1));
            apply({ kind: 'page', events, hasMore: last < n, now });
          };
          const advance = (ms: number): void => {
            const target = now + ms;
            for (let guard = 0; guard < 100 && wakeAt !== null && wakeAt <= target; guard++) {
              now = Math.max(now, wakeAt);
              apply({ kind: 'tick', now });
            }
            now = target;
          };
          apply({ kind: 'connected', now });
          for (const act of actions) {
            if (act.a === 'live') {
              if (act.seq <= n) apply({ kind: 'live', event: eventAt(act.seq), now });
            } else if (act.a === 'down') apply({ kind: 'disconnected', now });
            else if (act.a === 'up') apply({ kind: 'connected', now });
            else if (act.a === 'answer') answer(act.ok);
            else advance(act.ms);
            assert.deepEqual(
              seen,
              Array.from({ length: seen.length }, (_, i) => i + 1),
            );
          }
          // The world goes quiet and healthy: connected, every request answered, time passes.
          apply({ kind: 'connected', now });
          for (let round = 0; round < 200 && seen.length < n; round++) {
            if (inFlight !== null) answer(true);
            else advance(cfg.idleCheckMs + cfg.retryMaxMs + cfg.reconnectMaxMs);
          }
          assert.deepEqual(
            seen,
            Array.from({ length: n }, (_, i) => i + 1),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
