import { strict as assert } from 'node:assert';
import { GroupCommitter } from '../src/db/groupCommit.ts';
import { ManualClock } from '@sketchyaf/testkit/manualClock';

/** Lets `n` turns of the event loop pass (no time passes on any clock). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` settles within `n` event-loop turns, with the clock standing still. */
async function settlesWithin(promise: Promise<unknown>, n: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < n && !settled; i += 1) await turns(1);
  return settled;
}

describe('group commit', () => {
  it('concurrent submissions share one flush and each gets its own result', async () => {
    const groups: string[][] = [];
    const committer = new GroupCommitter<string, string>({
      maxWeight: 100,
      maxWaitMs: 2,
      maxInFlight: 1,
      flush: (group) => {
        groups.push([...group]);
        return Promise.resolve(
          group.map((g) =>
            g === 'bad'
              ? { ok: false as const, error: new Error(g) }
              : { ok: true as const, value: g.toUpperCase() },
          ),
        );
      },
    });
    const results = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((s) => committer.submit(s)));
    assert.equal(groups.length, 1);
    assert.deepEqual(groups[0], ['a', 'b', 'bad', 'c']);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected')),
      ['A', 'B', 'rejected', 'C'],
    );
  });

  it('flushes at the weight limit without splitting a submission, one group in flight at a time', async () => {
    const groups: number[][] = [];
    let inFlight = 0;
    let maxSeen = 0;
    // The clock never moves: a group that waited for its 50 ms timer would never flush.
    const committer = new GroupCommitter<number, number>({
      maxWeight: 10,
      maxWaitMs: 50,
      maxInFlight: 1,
      clock: new ManualClock(),
      flush: async (group) => {
        inFlight += 1;
        maxSeen = Math.max(maxSeen, inFlight);
        groups.push([...group]);
        await turns(2);
        inFlight -= 1;
        return group.map((value) => ({ ok: true as const, value }));
      },
    });
    const all = Promise.all([6, 6, 6].map((w) => committer.submit(w, w)));
    assert.ok(await settlesWithin(all, 50), 'a full group does not wait for the timer');
    assert.deepEqual(groups, [[6], [6], [6]]);
    assert.equal(maxSeen, 1);
  });

  it('a failed flush rejects its group; drain waits for everything', async () => {
    const committer = new GroupCommitter<number, number>({
      maxWeight: 100,
      maxWaitMs: 0,
      maxInFlight: 2,
      flush: () => Promise.reject(new Error('db down')),
    });
    const pending = committer.submit(1);
    await committer.drain();
    await assert.rejects(pending, /db down/);
    assert.equal(committer.pending, 0);
  });

  it('a submission queued past maxQueueMs is rejected unsent; the group in flight is not touched', async () => {
    let release: (value: number) => void = () => undefined;
    const flushed: number[][] = [];
    const clock = new ManualClock();
    const committer = new GroupCommitter<number, number>({
      maxWeight: 1,
      maxWaitMs: 0,
      maxInFlight: 1,
      maxQueueMs: 100,
      clock,
      expired: () => new Error('queued too long'),
      flush: async (group) => {
        flushed.push([...group]);
        const value = await new Promise<number>((resolve) => (release = resolve));
        return group.map(() => ({ ok: true as const, value }));
      },
    });
    const first = committer.submit(1);
    await turns(1);
    const queued = Promise.allSettled([committer.submit(2), committer.submit(3)]);
    await clock.tick(99);
    assert.equal(await settlesWithin(queued, 5), false, 'still queued at 99 ms');
    await clock.tick(1);
    const outcomes = await queued;
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'resolved')),
      ['queued too long', 'queued too long'],
    );
    assert.equal(committer.pending, 0);
    release(7);
    assert.equal(await first, 7);
    assert.deepEqual(flushed, [[1]], 'the expired submissions were never sent');
    const later = committer.submit(4);
    await turns(1);
    release(8);
    assert.equal(await later, 8, 'a submission flushed in time is unaffected');
    await committer.drain();
  });

  it('reads a standing wait only when every recent group waited, and 0 once nothing waits', async () => {
    const clock = new ManualClock();
    const flushes: (() => void)[] = [];
    const committer = new GroupCommitter<number, number>({
      maxWeight: 1,
      maxWaitMs: 0,
      maxInFlight: 1,
      clock,
      flush: (group) =>
        new Promise((resolve) => flushes.push(() => resolve(group.map((value) => ({ ok: true, value }))))),
    });
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    /** Lets `ms` pass, then ends the group in flight (the next one starts). */
    const finishAfter = async (ms: number): Promise<void> => {
      clock.freeze(ms);
      flushes.shift()?.();
      await turn();
      await turn();
    };
    const all = Promise.all(Array.from({ length: 8 }, (_, i) => committer.submit(i)));
    await turn();
    assert.equal(committer.standingWaitMs(), 0, 'a burst: the first group went at once');
    for (let i = 0; i < 4; i += 1) await finishAfter(50);
    assert.equal(committer.standingWaitMs(), 0, 'the first group of the last five did not wait');
    await finishAfter(50);
    assert.equal(committer.standingWaitMs(), 50, 'five groups in a row waited 50 ms or more');
    assert.equal(committer.oldestWaitMs(), 250);
    for (let i = 0; i < 3; i += 1) await finishAfter(0);
    assert.equal(committer.standingWaitMs(), 0, 'nothing waits any more');
    await all;
  });
});
