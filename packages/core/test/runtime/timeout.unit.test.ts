import { strict as assert } from 'node:assert';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { TimeoutError, sleep, timeoutSignal, withTimeout } from '../../src/runtime/timeout.ts';

describe('timeouts on the clock', () => {
  it('withTimeout rejects with a TimeoutError at the deadline even when the work ignores its signal', async () => {
    const clock = new ManualClock();
    let signalled: AbortSignal | undefined;
    const outcome = withTimeout(
      250,
      (signal) => {
        signalled = signal;
        return new Promise<string>(() => undefined);
      },
      { clock },
    ).catch((err: unknown) => err);
    await clock.tick(249);
    assert.equal(signalled?.aborted, false);
    await clock.tick(1);
    const err = await outcome;
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.message, 'no answer within 250 ms');
    assert.equal(signalled?.aborted, true);
    assert.equal(clock.pending, 0);
  });

  it('withTimeout returns the answer and leaves no timer behind', async () => {
    const clock = new ManualClock();
    assert.equal(await withTimeout(1000, () => Promise.resolve(7), { clock, message: 'slow' }), 7);
    assert.equal(clock.pending, 0);
    await assert.rejects(
      withTimeout(1000, () => Promise.reject(new Error('refused')), { clock }),
      /refused/,
    );
    assert.equal(clock.pending, 0);
  });

  it('timeoutSignal follows its parent and can be cleared', async () => {
    const clock = new ManualClock();
    const parent = new AbortController();
    const t = timeoutSignal(100, { clock, parent: parent.signal });
    parent.abort(new Error('stopping'));
    assert.equal(t.signal.aborted, true);
    assert.equal((t.signal.reason as Error).message, 'stopping');
    t.clear();
    assert.equal(clock.pending, 0);
    const cleared = timeoutSignal(100, { clock });
    cleared.clear();
    await clock.tick(200);
    assert.equal(cleared.signal.aborted, false);
  });

  it('sleep waits on the clock and ends early on abort', async () => {
    const clock = new ManualClock();
    let woke = false;
    const slept = sleep(500, clock).then(() => (woke = true));
    await clock.tick(499);
    assert.equal(woke, false);
    await clock.tick(1);
    await slept;
    assert.equal(woke, true);
    const abort = new AbortController();
    const cut = sleep(500, clock, abort.signal);
    abort.abort(new Error('stop'));
    await assert.rejects(cut, /stop/);
    assert.equal(clock.pending, 0);
  });
});
