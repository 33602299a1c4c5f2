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
