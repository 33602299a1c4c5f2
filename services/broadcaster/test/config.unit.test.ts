import { strict as assert } from 'node:assert';
import { ConfigError } from '@sketchyaf/core';
import { developmentApiToken, loadBroadcasterConfig } from '../src/index.ts';

describe('broadcaster config', () => {
  it('runs in development with no environment at all', () => {
    const config = loadBroadcasterConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'postgres://postgres@127.0.0.1:54329/sketchyaf');
    assert.deepEqual(config.pubnub, {
      publishKey: 'pub-c-local',
      subscribeKey: 'sub-c-local',
      origin: '127.0.0.1:8090',
      ssl: false,
      userId: 'sketchyaf-broadcaster',
    });
    assert.deepEqual(config.apiTokens, [developmentApiToken]);
    assert.ok(config.usingDevelopmentToken);
    assert.ok(Object.isFrozen(config));
    assert.equal(config.relay.maxAttempts, 3);
    assert.equal(config.relay.backoffBaseMs, 1000);
    assert.equal(config.relay.publishTimeoutMs, 10_000);
  });

  it('requires the secrets when deployed, naming every problem at once', () => {
    assert.throws(
      () => loadBroadcasterConfig({ APP_ENV: 'production', PORT: 'eighty', CORS_ORIGINS: 'not an origin' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        for (const key of [
          'DATABASE_URL',
          'PUBNUB_PUBLISH_KEY',
          'PUBNUB_SUBSCRIBE_KEY',
          'BROADCAST_API_TOKENS',
          'PORT',
          'CORS_ORIGINS',
        ]) {
          assert.match(text, new RegExp(key));
        }
        return true;
      },
    );
  });

  it('publishes with undici by default, one connection per publish in flight; RELAY_PUBLISHER=sdk picks the SDK', () => {
    const defaults = loadBroadcasterConfig({ RELAY_CONCURRENCY: '32' }).relay;
    assert.equal(defaults.publisher, 'undici');
    assert.equal(defaults.burstConcurrency, 512);
    assert.equal(defaults.publishConnections, 512, 'the larger of the steady and the burst concurrency');
    const steady = loadBroadcasterConfig({ RELAY_CONCURRENCY: '32', RELAY_BURST_CONCURRENCY: '0' }).relay;
    assert.equal(steady.publishConnections, 32);
    assert.equal(defaults.publishPipelining, 1);
    const chosen = loadBroadcasterConfig({
      RELAY_PUBLISHER: 'sdk',
      RELAY_PUBLISH_CONNECTIONS: '8',
      RELAY_PUBLISH_PIPELINING: '4',
    }).relay;
    assert.deepEqual([chosen.publisher, chosen.publishConnections, chosen.publishPipelining], ['sdk', 8, 4]);
    assert.throws(
      () => loadBroadcasterConfig({ RELAY_PUBLISHER: 'fetch' }),
      (err: unknown) => err instanceof ConfigError && /RELAY_PUBLISHER/.test(err.problems.join('\n')),
    );
  });

  it('takes PUBNUB_SECRET_KEY (Access Manager) when given, none by default', () => {
    assert.equal(loadBroadcasterConfig({}).pubnubSecretKey, null);
    assert.equal(loadBroadcasterConfig({ PUBNUB_SECRET_KEY: 'sec-c-1' }).pubnubSecretKey, 'sec-c-1');
    assert.equal(loadBroadcasterConfig({ PUBNUB_SECRET_KEY: '' }).pubnubSecretKey, null, 'empty: off');
  });

  it('parses tokens, origins and an https PubNub origin', () => {
    const config = loadBroadcasterConfig({
      APP_ENV: 'staging',
      DATABASE_URL: 'postgres://db/x',
      PUBNUB_PUBLISH_KEY: 'pub-c-1',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-1',
      PUBNUB_ORIGIN: 'https://ps.pndsn.com',
      BROADCAST_API_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ',
      CORS_ORIGINS: 'https://play.example.com,http://localhost:3000',
    });
    assert.deepEqual(config.apiTokens, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    assert.deepEqual(config.adminTokens, [], 'no admin tokens: admin API refuses everyone');
    assert.deepEqual(config.corsOrigins, ['https://play.example.com', 'http://localhost:3000']);
    assert.equal(config.pubnub.origin, 'ps.pndsn.com');
    assert.equal(config.pubnub.ssl, true);
    assert.equal(config.host, '0.0.0.0');
    assert.ok(!config.usingDevelopmentToken);
  });

  it('keeps Idempotency-Keys 24 h by default, at least a minute', () => {
    assert.equal(loadBroadcasterConfig({}).ingest.idempotencyRetentionMs, 86_400_000);
    assert.equal(
      loadBroadcasterConfig({ INGEST_IDEMPOTENCY_RETENTION_MS: '172800000' }).ingest.idempotencyRetentionMs,
      172_800_000,
    );
    assert.throws(
      () => loadBroadcasterConfig({ INGEST_IDEMPOTENCY_RETENTION_MS: '1000' }),
      /INGEST_IDEMPOTENCY_RETENTION_MS/,
    );
  });

  it('bounds the write queue by default, and takes no bound of 0', () => {
    const { ingest } = loadBroadcasterConfig({});
    assert.deepEqual([ingest.queueMaxEvents, ingest.queueMaxWaitMs, ingest.maxLoopLagMs], [2000, 100, 100]);
    const tuned = loadBroadcasterConfig({
      INGEST_QUEUE_MAX_EVENTS: '5000',
      INGEST_QUEUE_MAX_WAIT_MS: '50',
      INGEST_MAX_LOOP_LAG_MS: '60',
    }).ingest;
    assert.deepEqual([tuned.queueMaxEvents, tuned.queueMaxWaitMs, tuned.maxLoopLagMs], [5000, 50, 60]);
    for (const name of ['INGEST_QUEUE_MAX_EVENTS', 'INGEST_QUEUE_MAX_WAIT_MS', 'INGEST_MAX_LOOP_LAG_MS'])
      assert.throws(() => loadBroadcasterConfig({ [name]: '0' }), new RegExp(name));
  });

  it('refuses short tokens', () => {
    assert.throws(() => loadBroadcasterConfig({ BROADCAST_API_TOKENS: 'short' }), /BROADCAST_API_TOKENS/);
  });
});
