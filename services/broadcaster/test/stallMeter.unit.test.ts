import { strict as assert } from 'node:assert';
import type { OutboxRow } from '../src/db/outboxQueries.ts';
import { attemptPublish } from '../src/relay/publishAttempt.ts';
import { PublishCircuit } from '../src/relay/publishCircuit.ts';
import type { Publisher } from '../src/relay/pubnubPublisher.ts';
import { StallMeter } from '../src/relay/stallMeter.ts';
import { ManualClock } from '@sketchyaf/testkit/manualClock';

describe('StallMeter', () => {
  it('counts nothing while ticks run on time', () => {
    const clock = new ManualClock();
    const meter = new StallMeter(clock, { intervalMs: 50, toleranceMs: 100 });
    meter.start();
    clock.advance(5000);
    assert.equal(meter.totalMs(), 0);
  });

  it('counts a freeze, before and after the late tick has run, and never goes back', () => {
    const clock = new ManualClock();
    const told: number[] = [];
    const meter = new StallMeter(clock, { intervalMs: 50, toleranceMs: 100, onStall: (ms) => told.push(ms) });
    meter.start();
    clock.advance(200);
    clock.freeze(4000);
    const seenBeforeTick = meter.totalMs();
    assert.ok(seenBeforeTick >= 3900 && seenBeforeTick <= 4000, `before the tick: ${seenBeforeTick}`);
    clock.advance(10);
    const afterTick = meter.totalMs();
    assert.ok(afterTick >= seenBeforeTick && afterTick <= 4010, `after the tick: ${afterTick}`);
    clock.advance(1000);
    assert.equal(meter.totalMs(), afterTick, 'nothing more once ticks are on time again');
    assert.deepEqual(told, [afterTick], 'told once');
  });

  it('ignores lateness within the tolerance', () => {
    const clock = new ManualClock();
    const meter = new StallMeter(clock, { intervalMs: 50, toleranceMs: 100 });
    meter.start();
    for (let i = 0; i < 20; i += 1) {
      clock.freeze(90);
      clock.advance(10);
    }
    assert.equal(meter.totalMs(), 0);
  });

  it('stops ticking when stopped, keeping what it counted', () => {
    const clock = new ManualClock();
    const meter = new StallMeter(clock, { intervalMs: 50, toleranceMs: 100 });
    meter.start();
    clock.freeze(1000);
    clock.advance(10);
    const counted = meter.totalMs();
    meter.stop();
    clock.freeze(5000);
    assert.equal(meter.totalMs(), counted);
  });
});

describe('attemptPublish and a frozen process', () => {
  const row = {
    id: '1',
    event_id: '00000000-0000-4000-8000-000000000001',
    game_id: null,
    sequence: null,
    type: 'system_notice',
    channel: 'system',
    payload: { message: 'hi' },
    request_id: 'r',
    source: 'api',
    occurred_at: new Date(),
    created_at: new Date(),
    payload_bytes: 20,
  } as unknown as OutboxRow;
  // Every publish takes 60 ms of the manual clock: the durations are exact, not timed.
  const clock = new ManualClock();
  const slowPublisher: Publisher = {
    publish: async () => {
      await clock.tick(60);
      return '17000000000000000';
    },
    close: () => undefined,
  };

  it('reports a slow publish as slow, but not the time the process was frozen; slowness never opens the circuit', async () => {
    const circuit = new PublishCircuit({
      clock,
      threshold: 1,
      halfOpenAfterMs: 1000,
      configurationHalfOpenAfterMs: 1000,
    });
    const noStall = { totalMs: () => 0 };
    const slow = await attemptPublish(circuit, slowPublisher, row, 20, noStall, clock);
    assert.equal(slow.kind, 'published');
    assert.equal(slow.kind === 'published' && slow.slow, true, 'slower than 20 ms');

    // The same 60 ms, all of it spent frozen: not slow.
    const started = clock.monotonic();
    const frozen = { totalMs: () => clock.monotonic() - started };
    const outcome = await attemptPublish(circuit, slowPublisher, row, 20, frozen, clock);
    assert.equal(outcome.kind, 'published');
    assert.equal(outcome.kind === 'published' && outcome.slow, false);
    assert.equal(outcome.ms, 60, 'the observed duration stays the real one');
    assert.equal(circuit.state, 'closed', 'a slow success is a success, even at threshold 1');
  });
});
