import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import { startPubnubLocal, type PubnubLocalHandle } from '../src/index.ts';
import { deliveryFate, type ActiveDeliveryFaults } from '../src/subscriberFaults.ts';
import {
  collect,
  createClient,
  destroyClients,
  eventually,
  subscribeAndWait,
  uniqueName,
} from './helpers.ts';

type MessageEvent = PubNub.Subscription.Message;

async function setFaults(handle: PubnubLocalHandle, body: unknown): Promise<void> {
  const res = await fetch(`${handle.url}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

describe('pubnub-local with the official SDK: subscriber faults', function () {
  this.timeout(30_000);
  let handle: PubnubLocalHandle;

  before(async function () {
    handle = await startPubnubLocal({ port: 0 });
  });
  afterEach(async function () {
    destroyClients();
    await handle.clearFaults();
  });
  after(async function () {
    destroyClients();
    await handle.stop();
  });

  it('drops and duplicates the deliveries the seed says, to the subscriber named only', async function () {
    const channel = uniqueName('game');
    const count = 60;
    const deliveries = { dropRate: 0.1, duplicateRate: 0.1, seed: 7, uuids: ['faulty'] };
    await setFaults(handle, { deliveries });
    const faulty = createClient(handle, 'faulty');
    const clean = createClient(handle, 'clean');
    const publisher = createClient(handle, 'publisher');
    const cleanGot = collect<MessageEvent>(clean, 'message', (e) => e.length >= count, 15_000);
    const faultyGot = collect<MessageEvent>(faulty, 'message', () => false, 15_000);
    await subscribeAndWait(faulty, { channels: [channel] });
    await subscribeAndWait(clean, { channels: [channel] });

    const timetokens: string[] = [];
    for (let n = 0; n < count; n++)
      timetokens.push((await publisher.publish({ channel, message: { n } })).timetoken);
    const cleanEvents = await cleanGot.finished;
    assert.deepEqual(
      cleanEvents.map((e) => (e.message as { n: number }).n),
      Array.from({ length: count }, (_, n) => n),
    );

    const active: ActiveDeliveryFaults = { ...deliveries, uuids: ['faulty'] };
    const expected = timetokens.flatMap((tt, n) => {
      const fate = deliveryFate(active, 'faulty', BigInt(tt), channel);
      return fate === 'drop' ? [] : fate === 'duplicate' ? [n, n] : [n];
    });
    assert.ok(expected.length !== count || new Set(expected).size !== count, 'the seed hits some deliveries');
    await eventually(
      () => faultyGot.events.length >= expected.length,
      'the faulty subscriber to get its share',
    );
    // The window is the test: a delivery beyond the expected share, were there one, would land in it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      faultyGot.events.map((e) => (e.message as { n: number }).n),
      expected,
    );
    const { faults } = handle.stats();
    assert.equal(faults.deliveriesDropped, count - new Set(expected).size);
    assert.equal(faults.deliveriesDuplicated, expected.length - new Set(expected).size);
  });

  it('cuts a subscriber off for a window: nothing reaches it then; it gets the rest once reconnected', async function () {
    const channel = uniqueName('game');
    const retry = { retryConfiguration: PubNub.LinearRetryPolicy({ delay: 2, maximumRetry: 20 }) };
    const cut = createClient(handle, 'cut', retry);
    const other = createClient(handle, 'other');
    const publisher = createClient(handle, 'publisher');
    const cutGot = collect<MessageEvent>(cut, 'message', (e) => e.length >= 2, 20_000);
    const otherGot = collect<MessageEvent>(other, 'message', (e) => e.length >= 2, 20_000);
    await subscribeAndWait(cut, { channels: [channel] });
    await subscribeAndWait(other, { channels: [channel] });

    await setFaults(handle, { cutSubscribers: { durationMs: 2000, uuids: ['cut'] } });
    const cutAt = Date.now();
    await publisher.publish({ channel, message: { n: 1 } });
    await publisher.publish({ channel, message: { n: 2 } });
    await otherGot.finished;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(cutGot.events.length, 0, 'nothing during the window');
    // Its parked poll was reset when the first message would have reached it.
    assert.ok(handle.stats().faults.subscribesCut >= 1);

    const events = await cutGot.finished;
    assert.ok(Date.now() - cutAt >= 2000, 'only after the window');
    assert.deepEqual(
      events.map((e) => (e.message as { n: number }).n),
      [1, 2],
    );
  });
});
