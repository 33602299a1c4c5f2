import { strict as assert } from 'node:assert';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { startPubnubLocal, type PubnubLocalHandle } from '../src/index.ts';
import { eventually, uniqueName } from './helpers.ts';

interface SubscribeBody {
  t: { t: string; r: number };
  m: Record<string, unknown>[];
}

const gzip = promisify(zlib.gzip);

describe('pubnub-local wire format', function () {
  let handle: PubnubLocalHandle;
  const sub = (channels: string, query: string): string =>
    `${handle.url}/v2/subscribe/sub-c-local/${channels}/0?uuid=w1&${query}`;
  const publish = (channel: string, message: unknown, query = ''): Promise<Response> =>
    fetch(
      `${handle.url}/publish/pub-c-local/sub-c-local/0/${channel}/0/${encodeURIComponent(JSON.stringify(message))}?uuid=w1&${query}`,
    );

  async function handshake(channels: string): Promise<string> {
    const body = (await (await fetch(sub(channels, ''))).json()) as SubscribeBody;
    return body.t.t;
  }

  before(async function () {
    handle = await startPubnubLocal({ port: 0, longPollTimeoutMs: 300, subscribeBufferPerChannel: 3 });
  });

  after(async function () {
    await handle.stop();
  });

  it('answers a handshake at once with a 17-digit string cursor and a non-zero region', async function () {
    const response = await fetch(sub(uniqueName('c'), 'tt=0'));
    const body = (await response.json()) as SubscribeBody;
    assert.match(body.t.t, /^\d{17}$/);
    assert.notEqual(body.t.r, 0);
    assert.deepEqual(body.m, []);
  });

  it('sends message envelopes without `e`, signals with e:1, each with string timetokens', async function () {
    const channel = uniqueName('env');
    const cursor = await handshake(channel);
    await publish(channel, { hi: 1 }, `meta=${encodeURIComponent('{"k":"v"}')}`);
    await fetch(
      `${handle.url}/signal/pub-c-local/sub-c-local/0/${channel}/0/${encodeURIComponent('"sig"')}?uuid=w1`,
    );

    const body = (await (await fetch(sub(channel, `tt=${cursor}&tr=1`))).json()) as SubscribeBody;
    const [message, signal] = body.m;
    assert.equal(body.m.length, 2);
    assert.ok(message && signal);
    assert.equal('e' in message, false);
    assert.deepEqual(message.d, { hi: 1 });
    assert.deepEqual(message.u, { k: 'v' });
    assert.equal(message.i, 'w1');
    assert.equal(message.k, 'sub-c-local');
    assert.equal(message.c, channel);
    assert.equal(typeof (message.p as { t: unknown }).t, 'string');
    assert.equal(signal.e, 1);
    assert.equal(body.t.t, (signal.p as { t: string }).t, 'the cursor is the last delivered timetoken');
  });

  it('holds a long-poll until a publish arrives', async function () {
    const channel = uniqueName('held');
    const cursor = await handshake(channel);
    const poll = fetch(sub(channel, `tt=${cursor}`)).then(async (r) => (await r.json()) as SubscribeBody);
    await eventually(() => handle.stats().openLongPolls > 0, 'the poll to park');
    await publish(channel, 'late');
    const body = await poll;
    assert.deepEqual(
      body.m.map((m) => m.d),
      ['late'],
    );
  });

  it('answers an idle long-poll empty after the timeout, keeping the cursor', async function () {
    const channel = uniqueName('idle');
    const cursor = await handshake(channel);
    const body = (await (await fetch(sub(channel, `tt=${cursor}`))).json()) as SubscribeBody;
    assert.deepEqual(body.m, []);
    assert.equal(body.t.t, cursor);
  });

  it('lets a subscriber catch up from an older cursor, within the per-channel buffer', async function () {
    const channel = uniqueName('catchup');
    const cursor = await handshake(channel);
    for (const n of [1, 2, 3, 4, 5]) await publish(channel, n);
    const body = (await (await fetch(sub(channel, `tt=${cursor}`))).json()) as SubscribeBody;
    assert.deepEqual(
      body.m.map((m) => m.d),
      [3, 4, 5],
      'the buffer keeps the last 3 here (subscribeBufferPerChannel)',
    );
  });

  it('sets b to the wildcard pattern and to the -pnpres name for presence events', async function () {
    const prefix = uniqueName('game');
    const cursor = await handshake(`${prefix}.*,${prefix}.*-pnpres`);
    await publish(`${prefix}.g1`, 'go');
    await fetch(
      `${handle.url}/v2/presence/sub-key/sub-c-local/channel/${prefix}.g1/heartbeat?uuid=p9&heartbeat=60`,
    );
    const body = (await (
      await fetch(sub(`${prefix}.*,${prefix}.*-pnpres`, `tt=${cursor}`))
    ).json()) as SubscribeBody;
    assert.deepEqual(
      body.m.map((m) => [m.c, m.b]),
      [
        [`${prefix}.g1`, `${prefix}.*`],
        [`${prefix}.g1-pnpres`, `${prefix}.*-pnpres`],
      ],
    );
    assert.equal((body.m[1]?.d as { action: string }).action, 'join');
  });

  it('delivers through channel groups with b set to the group', async function () {
    const group = uniqueName('grp');
    const channel = uniqueName('member');
    const added = await fetch(
      `${handle.url}/v1/channel-registration/sub-key/sub-c-local/channel-group/${group}?add=${channel}`,
    );
    assert.equal(added.status, 200);
    const handshakeBody = (await (await fetch(sub(',', `channel-group=${group}`))).json()) as SubscribeBody;
    await publish(channel, 'via group');
    const body = (await (
      await fetch(sub(',', `channel-group=${group}&tt=${handshakeBody.t.t}`))
    ).json()) as SubscribeBody;
    assert.deepEqual(
      body.m.map((m) => [m.c, m.b, m.d]),
      [[channel, group, 'via group']],
    );
  });

  it('accepts a gzip POST publish as well as deflate', async function () {
    const channel = uniqueName('gz');
    const cursor = await handshake(channel);
    const response = await fetch(`${handle.url}/publish/pub-c-local/sub-c-local/0/${channel}/0?uuid=w1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: await gzip(JSON.stringify({ zipped: true })),
    });
    assert.equal(response.status, 200);
    const body = (await (await fetch(sub(channel, `tt=${cursor}`))).json()) as SubscribeBody;
    assert.deepEqual(body.m[0]?.d, { zipped: true });
  });

  it("uses PubNub's error shapes with a JSON content type", async function () {
    const forbidden = await fetch(sub(uniqueName('c'), '').replace('sub-c-local', 'sub-c-nope'));
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('content-type') ?? '', /json/);
    const forbiddenBody = (await forbidden.json()) as Record<string, unknown>;
    assert.equal(forbiddenBody.service, 'Access Manager');
    assert.equal(forbiddenBody.status, 403);
    assert.equal(forbiddenBody.error, true);

    const badJson = await fetch(`${handle.url}/publish/pub-c-local/sub-c-local/0/c/0/%7Bnot-json`);
    assert.equal(badJson.status, 400);
    assert.match(badJson.headers.get('content-type') ?? '', /json/);
    const [flag, text, tt] = (await badJson.json()) as [number, string, string];
    assert.deepEqual([flag, text], [0, 'Invalid JSON']);
    assert.match(tt, /^\d{17}$/);

    const badHistory = await fetch(`${handle.url}/v3/history/sub-key/sub-c-local/channel/c?start=yesterday`);
    assert.equal(badHistory.status, 400);
    assert.equal(
      ((await badHistory.json()) as { error_message: string }).error_message,
      'Invalid Arguments: start',
    );

    const unknown = await fetch(`${handle.url}/v9/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /json/);
  });

  it('counts publishes per channel and resets through POST /admin/reset', async function () {
    const channel = uniqueName('count');
    await publish(channel, 1);
    await publish(channel, 2);
    assert.equal(handle.stats().publishedPerChannel[channel], 2);

    const reset = await fetch(`${handle.url}/admin/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    const stats = handle.stats();
    assert.equal(stats.publishedPerChannel[channel], undefined);
    assert.equal(stats.totals.published, 0);
    const history = await fetch(`${handle.url}/v3/history/sub-key/sub-c-local/channel/${channel}`);
    assert.deepEqual(((await history.json()) as { channels: object }).channels, {});
  });
});
