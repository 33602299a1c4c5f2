import { strict as assert } from 'node:assert';
import { startPubnubLocal, type PubnubLocalHandle } from '../src/index.ts';
import { createClient, destroyClients, uniqueName } from './helpers.ts';

describe('pubnub-local with the official SDK: history (fetchMessages)', function () {
  let handle: PubnubLocalHandle;

  before(async function () {
    handle = await startPubnubLocal({ port: 0, historyLimitPerChannel: 5 });
  });

  after(async function () {
    destroyClients();
    await handle.stop();
  });

  it('returns stored messages oldest first, with uuid, meta and custom message type', async function () {
    const channel = uniqueName('hist');
    const client = createClient(handle, 'writer');
    const first = await client.publish({
      channel,
      message: { n: 1 },
      meta: { lang: 'en' },
      customMessageType: 'chat-msg',
    });
    const second = await client.publish({ channel, message: { n: 2 } });

    const result = await client.fetchMessages({
      channels: [channel],
      includeMeta: true,
      includeCustomMessageType: true,
    });
    const items = result.channels[channel] ?? [];

    assert.deepEqual(
      items.map((m) => [m.message, m.timetoken, m.uuid]),
      [
        [{ n: 1 }, first.timetoken, 'writer'],
        [{ n: 2 }, second.timetoken, 'writer'],
      ],
    );
    assert.deepEqual(items[0]?.meta, { lang: 'en' });
    assert.equal(items[0]?.customMessageType, 'chat-msg');
  });

  it('stores neither signals, fires nor storeInHistory:false publishes', async function () {
    const channel = uniqueName('hist');
    const client = createClient(handle, 'writer-2');
    await client.signal({ channel, message: 's' });
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- fire() semantics are under test
    await client.fire({ channel, message: 'f' });
    await client.publish({ channel, message: 'not stored', storeInHistory: false });
    await client.publish({ channel, message: 'stored' });

    const result = await client.fetchMessages({ channels: [channel] });
    assert.deepEqual(
      (result.channels[channel] ?? []).map((m) => m.message),
      ['stored'],
    );
  });

  it('keeps only the newest historyLimitPerChannel messages and pages backwards with start', async function () {
    const channel = uniqueName('hist');
    const client = createClient(handle, 'writer-3');
    for (let n = 1; n <= 7; n++) await client.publish({ channel, message: n });

    const newest = await client.fetchMessages({ channels: [channel], count: 2 });
    const page1 = newest.channels[channel] ?? [];
    assert.deepEqual(
      page1.map((m) => m.message),
      [6, 7],
    );
    assert.ok('more' in newest, 'more is reported when messages remain');
    const oldest = page1[0];
    assert.ok(oldest);

    const older = await client.fetchMessages({
      channels: [channel],
      count: 10,
      start: String(oldest.timetoken),
    });
    assert.deepEqual(
      (older.channels[channel] ?? []).map((m) => m.message),
      [3, 4, 5],
      'only 5 were kept (limit), of which 3 are older than the first page',
    );
  });

  it('fetches several channels at once', async function () {
    const a = uniqueName('hist-a');
    const b = uniqueName('hist-b');
    const client = createClient(handle, 'writer-4');
    await client.publish({ channel: a, message: 'in a' });
    await client.publish({ channel: b, message: 'in b' });

    const result = await client.fetchMessages({ channels: [a, b] });
    assert.deepEqual(
      result.channels[a]?.map((m) => m.message),
      ['in a'],
    );
    assert.deepEqual(
      result.channels[b]?.map((m) => m.message),
      ['in b'],
    );
  });

  it('deletes a message through deleteMessages', async function () {
    const channel = uniqueName('hist');
    const client = createClient(handle, 'writer-5');
    const kept = await client.publish({ channel, message: 'kept' });
    const removed = await client.publish({ channel, message: 'removed' });
    const tt = BigInt(removed.timetoken);
    await client.deleteMessages({ channel, start: String(tt - 1n), end: String(tt) });

    const result = await client.fetchMessages({ channels: [channel] });
    assert.deepEqual(
      (result.channels[channel] ?? []).map((m) => m.timetoken),
      [kept.timetoken],
    );
  });
});
