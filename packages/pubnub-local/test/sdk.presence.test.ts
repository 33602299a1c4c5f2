import { strict as assert } from 'node:assert';
import type PubNub from 'pubnub';
import { startPubnubLocal, type PubnubLocalHandle } from '../src/index.ts';
import { collect, createClient, destroyClients, subscribeAndWait, uniqueName } from './helpers.ts';

type PresenceEvent = PubNub.Subscription.Presence;

/** `uuid` and `occupancy` of a presence event, for the kinds that have them. */
function who(e: PresenceEvent): { uuid?: string; occupancy?: number } {
  return { uuid: 'uuid' in e ? e.uuid : undefined, occupancy: 'occupancy' in e ? e.occupancy : undefined };
}

describe('pubnub-local with the official SDK: presence', function () {
  let handle: PubnubLocalHandle;

  before(async function () {
    handle = await startPubnubLocal({ port: 0 });
  });

  afterEach(function () {
    destroyClients();
  });

  after(async function () {
    destroyClients();
    await handle.stop();
  });

  it('announces join and leave on the presence channel and counts occupants in here_now', async function () {
    const channel = uniqueName('lobby');
    const watcher = createClient(handle, 'watcher');
    const player = createClient(handle, 'player-1');
    const events = collect<PresenceEvent>(watcher, 'presence', (seen) =>
      seen.some((e) => e.action === 'leave' && who(e).uuid === 'player-1'),
    );
    await subscribeAndWait(watcher, { channels: [`${channel}-pnpres`] });

    await subscribeAndWait(player, { channels: [channel] });
    const hereNow = await player.hereNow({ channels: [channel], includeUUIDs: true });
    assert.equal(hereNow.totalOccupancy, 1);
    assert.deepEqual(
      hereNow.channels[channel]?.occupants.map((o) => o.uuid),
      ['player-1'],
    );
    const whereNow = await watcher.whereNow({ uuid: 'player-1' });
    assert.deepEqual(whereNow.channels, [channel]);

    player.unsubscribe({ channels: [channel] });
    const seen = await events.finished;
    const mine = seen.filter((e) => who(e).uuid === 'player-1');
    assert.deepEqual(
      mine.map((e) => [e.action, e.channel, who(e).occupancy]),
      [
        ['join', channel, 1],
        ['leave', channel, 0],
      ],
    );
    const after = await watcher.hereNow({ channels: [channel] });
    assert.equal(after.totalOccupancy, 0);
  });

  it('lets a client with withPresence see its own join', async function () {
    const channel = uniqueName('room');
    const player = createClient(handle, 'player-2');
    const events = collect<PresenceEvent>(player, 'presence', (seen) =>
      seen.some((e) => e.action === 'join'),
    );
    await subscribeAndWait(player, { channels: [channel], withPresence: true });
    const [join] = await events.finished;
    assert.equal(join && who(join).uuid, 'player-2');
    assert.equal(join?.channel, channel);
  });

  it('reports here_now for several channels and sets and gets presence state', async function () {
    const a = uniqueName('room-a');
    const b = uniqueName('room-b');
    const player = createClient(handle, 'player-3');
    await subscribeAndWait(player, { channels: [a, b] });

    const both = await player.hereNow({ channels: [a, b] });
    assert.equal(both.totalChannels, 2);
    assert.equal(both.totalOccupancy, 2);

    await player.setState({ channels: [a], state: { mood: 'drawing' } });
    const state = await player.getState({ uuid: 'player-3', channels: [a] });
    assert.deepEqual(state.channels[a], { mood: 'drawing' });
    const withState = await player.hereNow({ channels: [a], includeState: true });
    assert.deepEqual(withState.channels[a]?.occupants, [{ uuid: 'player-3', state: { mood: 'drawing' } }]);
  });

  it('times a client out when its heartbeats stop', async function () {
    this.timeout(10_000);
    const channel = uniqueName('room');
    const watcher = createClient(handle, 'watcher-2');
    const events = collect<PresenceEvent>(
      watcher,
      'presence',
      (seen) => seen.some((e) => e.action === 'timeout'),
      8000,
    );
    await subscribeAndWait(watcher, { channels: [`${channel}-pnpres`] });
    // A raw heartbeat with a 1 s timeout, never renewed.
    const response = await fetch(
      `${handle.url}/v2/presence/sub-key/sub-c-local/channel/${channel}/heartbeat?heartbeat=1&uuid=ghost`,
    );
    assert.equal(response.status, 200);
    const seen = await events.finished;
    assert.deepEqual(
      seen.map((e) => [e.action, who(e).uuid]),
      [
        ['join', 'ghost'],
        ['timeout', 'ghost'],
      ],
    );
  });
});
