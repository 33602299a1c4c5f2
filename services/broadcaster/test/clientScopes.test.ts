import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@sketchyaf/core';
import { buildClients, parseClientSpecs, tokenHash } from '../src/auth/clients.ts';
import { ClientRateLimits } from '../src/auth/clientRateLimits.ts';
import { allowsEvent, firstMissingScope, parseScope, type Scope } from '../src/auth/scopes.ts';
import { TokenBucket } from '../src/control/tokenBucket.ts';
import { loadBroadcasterConfig } from '../src/index.ts';

const scopes = (...list: Scope[]): ReadonlySet<Scope> => new Set(list);

describe('client scopes', () => {
  it('events:game covers game and presence events, events:user user events, event:<type> one type', () => {
    assert.ok(allowsEvent(scopes('events:game'), 'vote_cast'));
    assert.ok(allowsEvent(scopes('events:game'), 'presence_heartbeat'));
    assert.ok(!allowsEvent(scopes('events:game'), 'user_notification'));
    assert.ok(allowsEvent(scopes('events:user'), 'canary'));
    assert.ok(!allowsEvent(scopes('events:user'), 'player_joined'));
    assert.ok(allowsEvent(scopes('event:player_joined'), 'player_joined'));
    assert.ok(!allowsEvent(scopes('event:player_joined'), 'player_left'));
    assert.ok(!allowsEvent(scopes('admin'), 'vote_cast'), 'admin grants no events');
  });

  it('a batch needs every event: the first one refused is named with its broad scope', () => {
    assert.equal(firstMissingScope(scopes('events:game', 'events:user'), ['vote_cast', 'canary']), null);
    assert.deepEqual(firstMissingScope(scopes('events:game'), ['vote_cast', 'user_notification', 'canary']), {
      missingScope: 'events:user',
      type: 'user_notification',
      index: 1,
    });
    assert.deepEqual(firstMissingScope(scopes('event:vote_cast'), ['vote_cast', 'player_left']), {
      missingScope: 'events:game',
      type: 'player_left',
      index: 1,
    });
  });

  it('parses known scopes only: no database-only type, no typo', () => {
    for (const good of ['events:game', 'events:user', 'admin', 'event:vote_cast', 'event:canary'])
      assert.equal(parseScope(good), good);
    for (const bad of ['events:all', 'Admin', 'event:phase_changed', 'event:nope', 'event:', ''])
      assert.equal(parseScope(bad), null, bad);
  });
});

describe('token bucket with a burst and a cost', () => {
  it('starts full, takes a whole batch or nothing, refills at the rate', () => {
    const bucket = new TokenBucket(10, 0, 100);
    assert.ok(bucket.take(0, 100));
    assert.ok(!bucket.take(0, 1), 'empty');
    assert.equal(bucket.waitMs(0, 5), 500);
    assert.ok(!bucket.take(400, 5), 'four tokens are not five: nothing taken');
    assert.ok(bucket.take(500, 5));
    assert.equal(bucket.waitMs(500, 101), Number.POSITIVE_INFINITY, 'more than the burst never fits');
    assert.ok(bucket.take(60_000, 100), 'refilled, capped at the burst');
    assert.ok(!bucket.take(60_000, 1));
  });

  it('without a capacity keeps the relay behaviour: a tenth of a second of tokens', () => {
    const bucket = new TokenBucket(50, 0);
    assert.equal(bucket.capacity, 5);
    for (let i = 0; i < 5; i++) assert.ok(bucket.take(0));
    assert.ok(!bucket.take(0));
    assert.equal(bucket.waitMs(0), 20);
  });
});

describe('per-client rate limits', () => {
  const limited = { name: 'a', rateLimit: { eventsPerSecond: 10, burst: 100 } };
  it('charges events per client; refusal says when, in whole seconds, and costs nothing', () => {
    const limits = new ClientRateLimits();
    assert.equal(limits.charge(limited, 95, 0), null);
    assert.deepEqual(limits.charge(limited, 20, 0), { retryAfterSeconds: 2 }, '15 missing at 10/s: 1.5 s');
    assert.equal(limits.charge(limited, 5, 0), null, 'the refused 20 were not taken');
    assert.deepEqual(limits.charge(limited, 1, 0), { retryAfterSeconds: 1 }, 'never less than 1 s');
    assert.equal(limits.charge({ name: 'b', rateLimit: limited.rateLimit }, 100, 0), null, 'own bucket');
    assert.equal(limits.charge({ name: 'c', rateLimit: null }, 1_000_000, 0), null, 'unlimited');
    assert.equal(limits.charge(limited, 10, 1000), null, 'refilled after a second');
  });

  it('past maxBuckets forgets the oldest bucket (it starts full again), keeping the others', () => {
    const limits = new ClientRateLimits({ maxBuckets: 2 });
    const rateLimit = { eventsPerSecond: 1, burst: 1 };
    for (const name of ['a', 'b']) assert.equal(limits.charge({ name, rateLimit }, 1, 0), null);
    assert.notEqual(limits.charge({ name: 'b', rateLimit }, 1, 0), null, 'b is empty');
    assert.equal(limits.charge({ name: 'c', rateLimit }, 1, 0), null, 'c evicts a');
    assert.equal(limits.charge({ name: 'a', rateLimit }, 1, 0), null, 'a was forgotten: full again');
    assert.notEqual(limits.charge({ name: 'c', rateLimit }, 1, 0), null, 'c kept (b was the oldest then)');
  });
});

describe('client configuration', () => {
  const secret = 'very-secret-token-0123456789';
  const hashed = `sha256:${tokenHash('another-secret-token-98765')}`;
  const base = { BROADCAST_API_TOKENS: 'legacy-token-0123456789' };

  it('builds default, admin and named clients; hashes plaintext, keeps sha256: as given', () => {
    const config = loadBroadcasterConfig({
      ...base,
      BROADCAST_ADMIN_TOKENS: 'admin-token-0123456789',
      BROADCAST_CLIENT_RATE_LIMIT: '500',
      BROADCAST_API_CLIENTS: JSON.stringify([
        { name: 'lobby', tokens: [secret, hashed], scopes: ['events:game', 'event:canary'] },
        {
          name: 'ops',
          tokens: ['ops-token-0123456789abc'],
          scopes: ['admin'],
          rateLimit: { eventsPerSecond: 0 },
        },
        {
          name: 'mailer',
          tokens: ['mailer-token-0123456789'],
          scopes: ['events:user'],
          rateLimit: { eventsPerSecond: 20, burst: 200 },
        },
      ]),
    });
    const byName = new Map(config.clients.map((c) => [c.name, c]));
    assert.deepEqual([...byName.keys()], ['default', 'admin', 'lobby', 'ops', 'mailer']);
    assert.deepEqual(byName.get('default')?.scopes, ['events:game', 'events:user']);
    assert.deepEqual(byName.get('admin')?.scopes, ['admin']);
    assert.deepEqual(byName.get('lobby')?.tokenHashes, [tokenHash(secret), hashed.slice(7)]);
    assert.deepEqual(byName.get('lobby')?.rateLimit, { eventsPerSecond: 500, burst: 500 }, 'the default');
    assert.equal(byName.get('ops')?.rateLimit, null, '0: unlimited');
    assert.deepEqual(byName.get('mailer')?.rateLimit, { eventsPerSecond: 20, burst: 200 });
    assert.deepEqual(config.defaultRateLimit, { eventsPerSecond: 500, burst: 500 });
    assert.ok(!JSON.stringify(config.clients).includes(secret), 'only hashes are kept');
  });

  it('is unlimited by default; a burst defaults to a second of events, at least a full batch', () => {
    assert.equal(loadBroadcasterConfig(base).defaultRateLimit, null);
    assert.deepEqual(loadBroadcasterConfig({ ...base, BROADCAST_CLIENT_RATE_LIMIT: '10' }).defaultRateLimit, {
      eventsPerSecond: 10,
      burst: 100,
    });
    assert.throws(
      () =>
        loadBroadcasterConfig({
          ...base,
          BROADCAST_CLIENT_RATE_LIMIT: '10',
          BROADCAST_CLIENT_RATE_BURST: '50',
        }),
      /BROADCAST_CLIENT_RATE_BURST: must be at least 100/,
    );
  });

  it('development tokens only when no client is configured; deployed, clients alone suffice', () => {
    assert.deepEqual(
      loadBroadcasterConfig({}).clients.map((c) => c.name),
      ['default', 'admin'],
    );
    const clients = JSON.stringify([{ name: 'only', tokens: [secret], scopes: ['events:game'] }]);
    const dev = loadBroadcasterConfig({ BROADCAST_API_CLIENTS: clients });
    assert.deepEqual(
      dev.clients.map((c) => c.name),
      ['only'],
    );
    assert.ok(!dev.usingDevelopmentToken);
    const deployed = loadBroadcasterConfig({
      APP_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      PUBNUB_PUBLISH_KEY: 'pub-c-1',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-1',
      BROADCAST_API_CLIENTS: clients,
    });
    assert.deepEqual(
      deployed.clients.map((c) => c.name),
      ['only'],
    );
    assert.throws(
      () =>
        loadBroadcasterConfig({
          APP_ENV: 'production',
          DATABASE_URL: 'postgres://db/x',
          PUBNUB_PUBLISH_KEY: 'pub-c-1',
          PUBNUB_SUBSCRIBE_KEY: 'sub-c-1',
        }),
      /BROADCAST_API_TOKENS or BROADCAST_API_CLIENTS: required/,
    );
  });

  it('names every problem without ever quoting a token', () => {
    // `built`: found once the rest of the configuration is valid (they need the parsed token lists).
    const cases: { clients: string; expect: RegExp; built?: true }[] = [
      { clients: `[{"name":"a","tokens":["${secret}"],"scopes":["events:game"]`, expect: /not valid JSON/ },
      { clients: `{"name":"a","tokens":["${secret}"]}`, expect: /BROADCAST_API_CLIENTS: / },
      {
        clients: JSON.stringify([{ name: secret.toUpperCase(), tokens: [secret], scopes: ['admin'] }]),
        expect: /\[0\]\.name: must be/,
      },
      {
        clients: JSON.stringify([{ name: 'a', tokens: [`sha256:${secret}`], scopes: ['admin'] }]),
        expect: /\[0\]\.tokens\[0\]: must be sha256:/,
      },
      {
        clients: JSON.stringify([{ name: 'a', tokens: [secret.slice(0, 12)], scopes: ['admin'] }]),
        expect: /\[0\]\.tokens\[0\]: must be/,
      },
      {
        clients: JSON.stringify([{ name: 'a', tokens: [secret], scopes: [secret] }]),
        expect: /\[0\]\.scopes\[0\]: must be one of/,
      },
      {
        clients: JSON.stringify([{ name: 'a', tokens: [secret], scopes: ['admin'], [secret]: 1 }]),
        expect: /\[0\]: /,
      },
      {
        clients: JSON.stringify([
          { name: 'a', tokens: [secret], scopes: ['admin'] },
          { name: 'b', tokens: [`sha256:${tokenHash(secret)}`], scopes: ['admin'] },
        ]),
        expect: /\[1\]: token 1 is also a token of BROADCAST_API_CLIENTS\[0\]/,
        built: true,
      },
      {
        clients: JSON.stringify([{ name: 'default', tokens: [secret], scopes: ['admin'] }]),
        expect: /\[0\]: client name "default" is already used by BROADCAST_API_TOKENS/,
        built: true,
      },
      {
        clients: JSON.stringify([{ name: 'a', tokens: [base.BROADCAST_API_TOKENS], scopes: ['admin'] }]),
        expect: /token 1 is also a token of BROADCAST_API_TOKENS/,
        built: true,
      },
    ];
    for (const { clients, expect, built } of cases) {
      assert.throws(
        () =>
          loadBroadcasterConfig({ ...base, PORT: built ? '8080' : 'eighty', BROADCAST_API_CLIENTS: clients }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, expect);
          if (!built) assert.match(err.message, /PORT/, 'reported with the other problems');
          for (const leaked of [secret, secret.slice(0, 12), secret.toUpperCase(), base.BROADCAST_API_TOKENS])
            assert.ok(!err.message.includes(leaked), `${err.message}\nquotes a token`);
          return true;
        },
        clients,
      );
    }
  });

  it('a plain token list and the same token twice in one client still load (as before)', () => {
    const built = buildClients({
      apiTokens: ['aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa'],
      adminTokens: [],
      specs: parseClientSpecs(undefined).specs,
      defaultRateLimit: null,
    });
    assert.deepEqual(built.problems, []);
    assert.equal(built.clients[0]?.tokenHashes.length, 1);
  });
});

describe('README: "Clients, scopes and rate limits"', () => {
  it('its BROADCAST_API_CLIENTS example loads with the real config loader, as it describes', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Clients, scopes and rate limits'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(example, 'the section has a json block');
    const config = loadBroadcasterConfig({
      APP_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      PUBNUB_PUBLISH_KEY: 'pub-c-1',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-1',
      BROADCAST_API_CLIENTS: example,
    });
    const lobby = config.clients.find((c) => c.name === 'lobby');
    assert.deepEqual(lobby?.scopes, ['events:game']);
    assert.equal(lobby?.tokenHashes.length, 2, 'a rotation: the old token and the new one as a hash');
    assert.equal(lobby?.tokenHashes[1], tokenHash('lobby-token-2025-06-rotated'));
    assert.deepEqual(lobby?.rateLimit, { eventsPerSecond: 500, burst: 1000 });
    assert.equal(config.clients.find((c) => c.name === 'ops')?.rateLimit, null);
  });
});
