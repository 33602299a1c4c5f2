// Acceptance of issue 15 with Access Manager on: pubnub-local with a secret key,
// the broadcaster (signed relay publishes, POST /v1/access-tokens) and the health
// canary (signed subscriber); players are the official SDK with granted tokens.
import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import type { HealthService } from '../src/index.ts';
import { apiToken, getHealth, startTestBroadcaster, startTestHealth } from './helpers.ts';

const secretKey = 'sec-c-test-only';
const keys = { publishKey: 'pub-c-local', subscribeKey: 'sub-c-local' };

interface Granted {
  token: string;
  expiresAt: string;
  channels: string[];
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('Access Manager on: signed services, granted players, green canary', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let broadcaster: BroadcasterService;
  let health: HealthService;
  let clockOffsetMs = 0;
  let gameA: string;
  let gameB: string;
  const players: PubNub[] = [];

  const grant = async (userId: string, gameIds: string[], ttlMinutes = 60): Promise<Granted> => {
    const res = await postJson(`${broadcaster.url}/v1/access-tokens`, { userId, gameIds, ttlMinutes });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Granted;
  };

  /** A raw subscribe as the SDK sends it: the status tells whether Access Manager lets it through. */
  const subscribeStatus = async (channels: string, userId: string, token: string): Promise<number> => {
    const url = `${pubnub.url}/v2/subscribe/sub-c-local/${encodeURIComponent(channels)}/0?uuid=${userId}&auth=${encodeURIComponent(token)}&tt=0`;
    const res = await fetch(url);
    await res.body?.cancel();
    return res.status;
  };

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0, secretKey, nowMs: () => Date.now() + clockOffsetMs });
    broadcaster = await startTestBroadcaster(db.url, pubnub, { PUBNUB_SECRET_KEY: secretKey });
    health = await startTestHealth({
      DATABASE_URL: db.url,
      PUBNUB_ORIGIN: pubnub.url,
      PUBNUB_SECRET_KEY: secretKey,
      BROADCASTER_URLS: broadcaster.url,
    });
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds) SELECT 1 FROM generate_series(1, 2) RETURNING id',
    );
    [gameA, gameB] = rows.map((r) => r.id) as [string, string];
  });

  after(async () => {
    for (const player of players) player.destroy(true);
    await health?.stop();
    await broadcaster?.stop();
    await pubnub?.stop();
    await pool?.end();
    await db?.drop();
  });

  it("delivers a granted player its game's and its own events, in order, from the relay's signed publishes", async () => {
    const { token } = await grant('A', [gameA]);
    const player = new PubNub({ ...keys, userId: 'A', origin: pubnub.origin, ssl: false });
    players.push(player);
    player.setToken(token);
    const received: { channel: string; sequence?: number; type: string }[] = [];
    const connected = new Promise<void>((resolve, reject) => {
      player.addListener({
        message: (event) => {
          const envelope = event.message as { sequence?: number; type: string };
          received.push({ ...envelope, channel: event.channel });
        },
        status: (event) => {
          if (event.category === PubNub.CATEGORIES.PNConnectedCategory) resolve();
          if (event.category === PubNub.CATEGORIES.PNAccessDeniedCategory) reject(new Error('access denied'));
        },
      });
    });
    player.subscribe({ channels: [`game.${gameA}`, 'user.A'] });
    await connected;

    const events = Array.from({ length: 20 }, (_, i) => ({
      type: 'player_joined',
      gameId: gameA,
      data: { playerId: `p${i}`, displayName: `Player ${i}` },
    }));
    const batch = await postJson(`${broadcaster.url}/v1/events/batch`, {
      events: [
        ...events,
        { type: 'player_joined', gameId: gameB, data: { playerId: 'x', displayName: 'Other game' } },
        { type: 'user_notification', userId: 'A', data: { kind: 'friend_invite', title: 'Hi A' } },
        { type: 'user_notification', userId: 'B', data: { kind: 'friend_invite', title: 'Hi B' } },
      ],
    });
    assert.equal(batch.status, 202, JSON.stringify(batch.body));

    await waitFor('20 game events and one user event', () => (received.length >= 21 ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const game = received.filter((m) => m.channel === `game.${gameA}`);
    assert.deepEqual(
      game.map((m) => m.sequence),
      Array.from({ length: 20 }, (_, i) => i + 1),
      'in sequence order',
    );
    assert.deepEqual(
      received.filter((m) => m.channel === 'user.A').map((m) => m.type),
      ['user_notification'],
    );
    assert.ok(
      received.every((m) => m.channel === `game.${gameA}` || m.channel === 'user.A'),
      'nothing of another game or user',
    );
  });

  it("refuses a player's subscribe to another user's channel, another game or game.* (403)", async () => {
    const { token } = await grant('A', [gameA]);
    assert.equal(await subscribeStatus(`game.${gameA},user.A`, 'A', token), 200);
    assert.equal(await subscribeStatus('user.B', 'A', token), 403);
    assert.equal(await subscribeStatus(`game.${gameB}`, 'A', token), 403);
    assert.equal(await subscribeStatus('game.*', 'A', token), 403);
    assert.equal(await subscribeStatus('user.A', 'B', token), 403, 'the token is for user A only');
    assert.equal(await subscribeStatus('user.A', 'A', ''), 403, 'no token');
  });

  it('keeps the canary green: its signed subscriber receives every canary', async () => {
    const report = await waitFor(
      'canaries received',
      async () => {
        const { body } = await getHealth(health.url);
        return body.canary.received >= 3 ? body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.equal(report.canary.subscriber, 'connected');
    assert.equal(report.canary.lost, 0);
    assert.equal(report.components.pubnub.level, 'up', report.components.pubnub.summary);
    assert.equal(report.components.broadcaster.level, 'up', report.components.broadcaster.summary);
  });

  it('refuses a revoked token', async () => {
    const { token } = await grant('A', [gameA]);
    assert.equal(await subscribeStatus('user.A', 'A', token), 200);
    const backend = new PubNub({ ...keys, secretKey, userId: 'backend', origin: pubnub.origin, ssl: false });
    try {
      await backend.revokeToken(token);
    } finally {
      backend.destroy(true);
    }
    assert.equal(await subscribeStatus('user.A', 'A', token), 403);
  });

  it('refuses an expired token', async () => {
    const { token, expiresAt } = await grant('A', [gameA], 1);
    assert.equal(await subscribeStatus('user.A', 'A', token), 200);
    clockOffsetMs = Date.parse(expiresAt) - Date.now() + 1000;
    assert.equal(await subscribeStatus('user.A', 'A', token), 403);
  });
});
