import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import { startPubnubLocal, type PubnubLocalHandle } from '../src/index.ts';
import {
  collect,
  createClient,
  destroyClients,
  subscribeAndWait,
  uniqueName,
  withTimeout,
  SUBSCRIBE_KEY,
} from './helpers.ts';

type MessageEvent = PubNub.Subscription.Message;

const SECRET_KEY = 'sec-c-local-test';

/**
 * Resolves with the first error status the SDK reports for a subscribe. Its
 * event engine reports a refused handshake as a connection error whose
 * `error` is the cause's category (PNAccessDeniedCategory for a 403).
 */
function subscribeRefused(
  client: PubNub,
  params: PubNub.Subscription.SubscribeParameters,
): Promise<PubNub.Status | PubNub.StatusEvent> {
  const refused = new Promise<PubNub.Status | PubNub.StatusEvent>((resolve, reject) => {
    const listener: PubNub.Listener = {
      status(event) {
        if (event.category === PubNub.CATEGORIES.PNConnectedCategory) {
          client.removeListener(listener);
          reject(new Error('subscribe was allowed'));
        } else if (event.error) {
          client.removeListener(listener);
          resolve(event);
        }
      },
    };
    client.addListener(listener);
  });
  client.subscribe(params);
  return withTimeout(refused, 5000, 'the subscribe to be refused');
}

/** The status code of a rejected SDK call. */
async function statusOf(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return 200;
  } catch (error) {
    // The SDK rejects with a PubNubError carrying the HTTP status; the class itself is not exported.
    assert.ok(error instanceof Error && 'status' in error, String(error));
    const status: unknown = error.status;
    return typeof status === 'object' &&
      status !== null &&
      'statusCode' in status &&
      typeof status.statusCode === 'number'
      ? status.statusCode
      : undefined;
  }
}

describe('pubnub-local with the official SDK: Access Manager', function () {
  let handle: PubnubLocalHandle;
  let offsetMs = 0;
  let server: PubNub;

  before(async function () {
    handle = await startPubnubLocal({ port: 0, secretKey: SECRET_KEY, nowMs: () => Date.now() + offsetMs });
  });

  beforeEach(function () {
    offsetMs = 0;
    server = createClient(handle, 'server', { secretKey: SECRET_KEY });
  });

  afterEach(function () {
    destroyClients();
  });

  after(async function () {
    destroyClients();
    await handle.stop();
  });

  function grantFor(user: string, game: string, ttl = 60): Promise<string> {
    return server.grantToken({
      ttl,
      authorized_uuid: user,
      resources: {
        channels: {
          [game]: { read: true },
          [`${game}-pnpres`]: { read: true },
          [`user.${user}`]: { read: true },
        },
      },
    });
  }

  function clientWith(user: string, token: string): PubNub {
    const client = createClient(handle, user);
    client.setToken(token);
    return client;
  }

  it('grants a token that parseToken reads back with its resources, ttl and authorized uuid', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await server.grantToken({
      ttl: 15,
      authorized_uuid: 'A',
      resources: { channels: { [game]: { read: true, write: true } }, groups: { lobby: { manage: true } } },
      patterns: { channels: { '^game\\..*$': { read: true } } },
      meta: { role: 'player' },
    });
    const parsed = server.parseToken(token);
    assert.ok(parsed);
    assert.equal(parsed.version, 2);
    assert.equal(parsed.ttl, 15);
    assert.equal(parsed.authorized_uuid, 'A');
    assert.ok(Math.abs(parsed.timestamp - Date.now() / 1000) < 5);
    assert.deepEqual(parsed.meta, { role: 'player' });
    assert.equal(parsed.resources?.channels?.[game]?.read, true);
    assert.equal(parsed.resources?.channels?.[game]?.write, true);
    assert.equal(parsed.resources?.channels?.[game]?.manage, false);
    assert.equal(parsed.resources?.groups?.lobby?.manage, true);
    assert.equal(parsed.patterns?.channels?.['^game\\..*$']?.read, true);
  });

  it('delivers what the server side publishes on the channels a token grants', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game);
    const client = clientWith('A', token);
    const received = collect<MessageEvent>(client, 'message', (events) => events.length >= 2);
    await subscribeAndWait(client, { channels: [game, `${game}-pnpres`, 'user.A'] });

    await server.publish({ channel: game, message: { kind: 'round' } });
    await server.publish({ channel: 'user.A', message: { kind: 'private' } });
    const events = await received.finished;

    assert.deepEqual(
      events.map((e) => [e.channel, e.message]),
      [
        [game, { kind: 'round' }],
        ['user.A', { kind: 'private' }],
      ],
    );
  });

  it('refuses a subscribe to a channel or wildcard the token does not grant', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game);

    const other = await subscribeRefused(clientWith('A', token), { channels: [game, 'user.B'] });
    assert.equal(other.error, PubNub.CATEGORIES.PNAccessDeniedCategory);

    const wildcard = await subscribeRefused(clientWith('A', token), { channels: ['game.*'] });
    assert.equal(wildcard.error, PubNub.CATEGORIES.PNAccessDeniedCategory);
  });

  it('allows a wildcard subscribe only with a pattern covering it', async function () {
    const token = await server.grantToken({
      ttl: 5,
      patterns: { channels: { 'game\\..*': { read: true } } },
    });
    const client = clientWith('A', token);
    const game = `game.${uniqueName('g')}`;
    const received = collect<MessageEvent>(client, 'message', (events) => events.length >= 1);
    await subscribeAndWait(client, { channels: ['game.*'] });
    await server.publish({ channel: game, message: 'hi' });
    const [event] = await received.finished;
    assert.equal(event?.channel, game);
  });

  it('refuses the token for another uuid than its authorized one', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game);
    const status = await subscribeRefused(clientWith('B', token), { channels: [game] });
    assert.equal(status.error, PubNub.CATEGORIES.PNAccessDeniedCategory);
  });

  it('enforces write for publish, read for history and here_now', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game);
    const client = clientWith('A', token);
    await server.publish({ channel: game, message: 1 });

    assert.equal(await statusOf(client.publish({ channel: game, message: 2 })), 403);
    const history = await client.fetchMessages({ channels: [game] });
    assert.equal(history.channels[game]?.length, 1);
    assert.equal(await statusOf(client.fetchMessages({ channels: ['user.B'] })), 403);
    assert.equal((await client.hereNow({ channels: [game] })).totalChannels, 1);
    assert.equal(await statusOf(client.hereNow({ channels: ['user.B'] })), 403);
  });

  it('refuses requests without a token, and an unknown token', async function () {
    const game = `game.${uniqueName('g')}`;
    assert.equal(await statusOf(createClient(handle, 'A').publish({ channel: game, message: 1 })), 403);
    const forged = clientWith('A', 'p0F2AkF0GmYAAAA');
    assert.equal(await statusOf(forged.fetchMessages({ channels: [game] })), 403);
  });

  it('refuses an expired token', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game, 1);
    const client = clientWith('A', token);
    assert.equal(await statusOf(client.fetchMessages({ channels: [game] })), 200);
    offsetMs = 61_000;
    assert.equal(await statusOf(client.fetchMessages({ channels: [game] })), 403);
    const status = await subscribeRefused(clientWith('A', token), { channels: [game] });
    assert.equal(status.error, PubNub.CATEGORIES.PNAccessDeniedCategory);
  });

  it('refuses a revoked token', async function () {
    const game = `game.${uniqueName('g')}`;
    const token = await grantFor('A', game);
    const client = clientWith('A', token);
    assert.equal(await statusOf(client.fetchMessages({ channels: [game] })), 200);
    await server.revokeToken(token);
    assert.equal(await statusOf(client.fetchMessages({ channels: [game] })), 403);
  });

  it('refuses a request signed with another secret key', async function () {
    const impostor = createClient(handle, 'server', { secretKey: 'not-the-secret' });
    assert.equal(await statusOf(impostor.publish({ channel: 'game.x', message: 1 })), 403);
    assert.equal(
      await statusOf(impostor.grantToken({ ttl: 5, resources: { channels: { 'game.x': { read: true } } } })),
      403,
    );
    assert.equal(await statusOf(server.publish({ channel: 'game.x', message: 1 })), 200);
  });

  it('answers a bad signature and a denial in Access Manager’s body shape', async function () {
    const channel = uniqueName('room');
    const unsigned = await fetch(
      `${handle.url}/v3/history/sub-key/${SUBSCRIBE_KEY}/channel/${channel}?uuid=A`,
    );
    assert.equal(unsigned.status, 403);
    assert.deepEqual(await unsigned.json(), {
      message: 'Forbidden',
      payload: { channels: [channel] },
      error: true,
      service: 'Access Manager',
      status: 403,
    });
    const badlySigned = await fetch(
      `${handle.url}/v3/history/sub-key/${SUBSCRIBE_KEY}/channel/${channel}?uuid=A&timestamp=1&signature=v2.bad`,
    );
    assert.equal(badlySigned.status, 403);
    assert.equal(((await badlySigned.json()) as { message: string }).message, 'Invalid Signature');
  });
});
