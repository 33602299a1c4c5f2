import { strict as assert } from 'node:assert';
import { startWithReleasers } from '../src/index.ts';
import { Releasers } from '../src/lifecycle/releasers.ts';

describe('Releasers', () => {
  it('releases in reverse order, continues past failures and reports them', async () => {
    const order: string[] = [];
    const releasers = new Releasers();
    releasers.add('a', () => {
      order.push('a');
    });
    releasers.add('b', () => {
      order.push('b');
      throw new Error('b broke');
    });
    releasers.add('c', async () => {
      await Promise.resolve();
      order.push('c');
    });
    await assert.rejects(releasers.releaseAll(), /releasing b failed/);
    assert.deepEqual(order, ['c', 'b', 'a']);
  });

  it('is safe to call twice and refuses new resources once stopping', async () => {
    let calls = 0;
    const releasers = new Releasers();
    releasers.add('x', () => {
      calls += 1;
    });
    await Promise.all([releasers.releaseAll(), releasers.releaseAll()]);
    assert.equal(calls, 1);
    assert.throws(() => releasers.add('late', () => undefined), /already stopping/);
  });

  it('releases what a failed start acquired, then rethrows the start error', async () => {
    const released: string[] = [];
    await assert.rejects(
      startWithReleasers(async (r) => {
        r.add('pool', () => {
          released.push('pool');
        });
        await Promise.resolve();
        throw new Error('listen EADDRINUSE');
      }),
      /EADDRINUSE/,
    );
    assert.deepEqual(released, ['pool']);
  });
});
