import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { buildOpenApiDocument } from '../src/http/openapiDocument.ts';
import type { BroadcasterService } from '../src/index.ts';
import { post as postRaw, startTestBroadcaster, type PostResult } from './helpers.ts';
import { OpenApiValidator } from './openapiValidator.ts';

const secretKey = 'sec-c-test-only';
const gameId = '4f9a7a4e-3b1f-4c65-9d55-0c2b8e3f1a77';
const grantToken = 'grant-token-0123456789abcdef';
const eventsOnlyToken = 'events-only-token-0123456789';

const validator = new OpenApiValidator(buildOpenApiDocument());

/** POSTs and checks the answer is one the OpenAPI document describes. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await postRaw(url, body, headers);
  assert.deepEqual(
    validator.responseProblems('post', '/v1/access-tokens', res.status, res.body, res.headers),
    [],
  );
  return res;
}

describe('POST /v1/access-tokens', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pubnub: PubnubLocalHandle;
  let withKey: BroadcasterService;
  let withoutKey: BroadcasterService;

  before(async () => {
    db = await createTestDatabase();
    pubnub = await startPubnubLocal({ port: 0, secretKey });
    const clients = JSON.stringify([
      { name: 'grants', tokens: [grantToken], scopes: ['tokens:grant'] },
      { name: 'events-only', tokens: [eventsOnlyToken], scopes: ['events:game', 'events:user'] },
    ]);
    withKey = await startTestBroadcaster(db.url, pubnub, {
      PUBNUB_SECRET_KEY: secretKey,
      BROADCAST_API_CLIENTS: clients,
      RELAY_ENABLED: 'false',
    });
    withoutKey = await startTestBroadcaster(db.url, pubnub, {
      BROADCAST_API_CLIENTS: clients,
      RELAY_ENABLED: 'false',
    });
  });
  after(async () => {
    await withKey?.stop();
    await withoutKey?.stop();
    await pubnub?.stop();
    await db?.drop();
  });

  it('grants a token that reads the game, its presence and the user channel, for that user only', async () => {
    const res = await post(
      `${withKey.url}/v1/access-tokens`,
      { userId: 'A', gameIds: [gameId], ttlMinutes: 30 },
      { authorization: `Bearer ${grantToken}` },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as { token: string; expiresAt: string; channels: string[] };
    const channels = [`game.${gameId}`, `game.${gameId}-pnpres`, `presence.${gameId}`, 'user.A'];
    assert.deepEqual(body.channels, channels);
    const expiresInMs = Date.parse(body.expiresAt) - Date.now();
    assert.ok(expiresInMs > 29 * 60_000 && expiresInMs <= 30 * 60_000 + 1000, body.expiresAt);
    const reader = new PubNub({
      subscribeKey: 'sub-c-local',
      userId: 'reader',
      origin: pubnub.origin,
      ssl: false,
    });
    try {
      const parsed = reader.parseToken(body.token);
      assert.equal(parsed?.authorized_uuid, 'A');
      assert.equal(parsed?.ttl, 30);
      assert.deepEqual(Object.keys(parsed?.resources?.channels ?? {}).sort(), [...channels].sort());
      for (const permissions of Object.values(parsed?.resources?.channels ?? {}))
        assert.deepEqual(
          [permissions?.read, permissions?.write, permissions?.manage, permissions?.delete],
          [true, false, false, false],
        );
      assert.equal(parsed?.patterns, undefined, 'no patterns: exact channels only');
    } finally {
      reader.destroy(true);
    }
  });

  it('gives the plain token list tokens:grant with Access Manager on (not without)', async () => {
    const ok = await post(`${withKey.url}/v1/access-tokens`, { userId: 'A', gameIds: [gameId] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const off = await post(`${withoutKey.url}/v1/access-tokens`, { userId: 'A', gameIds: [gameId] });
    assert.equal(off.status, 403);
    assert.equal((off.body as { error: { code: string } }).error.code, 'insufficient_scope');
  });

  it('refuses a client without tokens:grant (403), no token (401) and a bad body (400, every issue)', async () => {
    const scoped = await post(
      `${withKey.url}/v1/access-tokens`,
      { userId: 'A', gameIds: [gameId] },
      { authorization: `Bearer ${eventsOnlyToken}` },
    );
    assert.equal(scoped.status, 403);
    assert.deepEqual((scoped.body as { error: { details: unknown } }).error.details, {
      missingScope: 'tokens:grant',
      client: 'events-only',
    });
    const anonymous = await post(`${withKey.url}/v1/access-tokens`, {}, { authorization: '' });
    assert.equal(anonymous.status, 401);
    const bad = await post(
      `${withKey.url}/v1/access-tokens`,
      { userId: 'a.b', gameIds: ['x'], ttlMinutes: 2000 },
      { authorization: `Bearer ${grantToken}` },
    );
    assert.equal(bad.status, 400);
    const issues = (bad.body as { error: { code: string; details: { path: string }[] } }).error;
    assert.equal(issues.code, 'validation_failed');
    assert.deepEqual(issues.details.map((d) => d.path).sort(), ['gameIds.0', 'ttlMinutes', 'userId']);
  });

  it('answers 501 access_manager_off without PUBNUB_SECRET_KEY', async () => {
    const res = await post(
      `${withoutKey.url}/v1/access-tokens`,
      { userId: 'A', gameIds: [gameId] },
      { authorization: `Bearer ${grantToken}` },
    );
    assert.equal(res.status, 501);
    assert.equal((res.body as { error: { code: string } }).error.code, 'access_manager_off');
  });

  it('answers 503 with Retry-After when PubNub fails, fast', async () => {
    await pubnub.setFaults({ errorRate: 1 });
    try {
      const started = Date.now();
      const res = await post(
        `${withKey.url}/v1/access-tokens`,
        { userId: 'A', gameIds: [gameId] },
        { authorization: `Bearer ${grantToken}` },
      );
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal((res.body as { error: { code: string } }).error.code, 'unavailable');
      assert.equal(res.headers.get('retry-after'), '1');
      assert.ok(Date.now() - started < 5000);
    } finally {
      await pubnub.clearFaults();
    }
  });

  it('answers 503 within the grant timeout when PubNub does not answer (never a hang)', async () => {
    await pubnub.setFaults({ latencyMs: 30_000 });
    try {
      const started = Date.now();
      const res = await post(
        `${withKey.url}/v1/access-tokens`,
        { userId: 'A', gameIds: [gameId] },
        { authorization: `Bearer ${grantToken}` },
      );
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.headers.get('retry-after'), '1');
      assert.ok(Date.now() - started < 8000, `answered after ${Date.now() - started} ms`);
    } finally {
      await pubnub.clearFaults();
    }
  });
});
