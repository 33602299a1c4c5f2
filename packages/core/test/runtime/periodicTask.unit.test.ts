import { strict as assert } from 'node:assert';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { PeriodicTask, sleep } from '../../src/index.ts';

describe('PeriodicTask', () => {
  it('runs rounds one interval apart after each ends, never overlapping, through failures', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const errors: string[] = [];
    let inRound = 0;
    const task = new PeriodicTask({
      clock,
      intervalMs: 100,
      run: async () => {
        assert.equal(inRound, 0, 'rounds never overlap');
        inRound += 1;
        starts.push(clock.monotonic());
        await sleep(30, clock);
        inRound -= 1;
        if (starts.length === 2) throw new Error('round 2 failed');
      },
      onError: (err) => errors.push((err as Error).message),
    });
    task.start(0);
    await clock.tick(400);
    assert.deepEqual(starts, [0, 130, 260, 390]);
    assert.deepEqual(errors, ['round 2 failed']);
  });

  it("at cadence 'rate', starts rounds an interval apart, at once after an overlong one", async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const task = new PeriodicTask({
      clock,
      intervalMs: 100,
      cadence: 'rate',
      run: () => {
        starts.push(clock.monotonic());
        return sleep(starts.length === 2 ? 150 : 30, clock);
      },
    });
    task.start();
    await clock.tick(500);
    assert.deepEqual(starts, [100, 200, 350, 450]);
  });

  it('runNow runs a round at once, coalesces requests made during a round into one more, and restarts the interval', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    let task: PeriodicTask | undefined = undefined;
    task = new PeriodicTask({
      clock,
      intervalMs: 100,
      run: async () => {
        starts.push(clock.monotonic());
        // A request from inside the round's first line coalesces like any other.
        if (starts.length === 2) task?.runNow();
        await sleep(30, clock);
      },
    });
    task.runNow();
    assert.deepEqual(starts, [], 'nothing before start');
    task.start();
    await clock.tick(10);
    task.runNow();
    assert.deepEqual(starts, [10], 'ran at once, not at 100');
    await clock.tick(10);
    task.runNow();
    task.runNow();
    await clock.tick(100);
    // 10: runNow; 40: the coalesced one; 70: the one requested from inside round 2; then 100 after 100.
    assert.deepEqual(starts, [10, 40, 70]);
    // To 370: between rounds, so stop has no round to wait for.
    await clock.tick(250);
    assert.deepEqual(starts, [10, 40, 70, 200, 330]);
    await task.stop();
    task.runNow();
    assert.equal(clock.pending, 0, 'no round nor timer once stopped');
    assert.equal(starts.length, 5);
  });

  it('stop waits for the round in progress and leaves no timer', async () => {
    const clock = new ManualClock();
    let ended = 0;
    const task = new PeriodicTask({
      clock,
      intervalMs: 10,
      run: async () => {
        await sleep(50, clock);
        ended += 1;
      },
    });
    task.start(0);
    await clock.tick(20);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await clock.tick(10);
    assert.equal(stopped, false);
    await clock.tick(40);
    await stopping;
    assert.equal(ended, 1);
    assert.equal(clock.pending, 0);
    assert.equal(task.running, false);
  });
});
