import { strict as assert } from 'node:assert';
import { ConfigError } from '@sketchyaf/core';
import { loadHealthConfig } from '../src/index.ts';

describe('health config', () => {
  it('runs on loopback defaults in development', () => {
    const c = loadHealthConfig({});
    assert.equal(c.port, 8081);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, 'postgres://postgres@127.0.0.1:54329/sketchyaf');
    assert.equal(c.redisUrls, null);
    assert.deepEqual(c.pubnub, {
      originUrl: 'http://127.0.0.1:8090',
      origin: '127.0.0.1:8090',
      ssl: false,
      subscribeKey: 'sub-c-local',
      userId: 'sketchyaf-health',
    });
    assert.deepEqual(c.broadcasterUrls, ['http://127.0.0.1:8080']);
    assert.deepEqual(c.relayUrls, []);
    assert.deepEqual(c.timerMonitorUrls, ['http://127.0.0.1:8082']);
    assert.equal(c.canary.apiToken, 'dev-token-change-me');
    assert.equal(c.canary.intervalMs, 5000);
    assert.equal(c.canary.deadlineMs, 30_000);
    assert.equal(c.checkIntervalMs, 5000);
    assert.deepEqual(c.kubernetes, {
      inCluster: false,
      namespace: null,
      labelSelector: 'app.kubernetes.io/part-of=sketchyaf-realtime',
    });
    assert.ok(Object.isFrozen(c));
  });

  it('signs with PUBNUB_SECRET_KEY and the publish key when given, not otherwise', () => {
    assert.equal(loadHealthConfig({}).pubnubSigning, null);
    assert.deepEqual(
      loadHealthConfig({ PUBNUB_SECRET_KEY: 'sec-c-1', PUBNUB_PUBLISH_KEY: 'pub-c-1' }).pubnubSigning,
      { publishKey: 'pub-c-1', secretKey: 'sec-c-1' },
    );
    assert.equal(loadHealthConfig({ PUBNUB_SECRET_KEY: '' }).pubnubSigning, null, 'empty: off');
  });

  it('reads lists, trims trailing slashes and sees the cluster from the kubelet env', () => {
    const c = loadHealthConfig({
      APP_ENV: 'production',
      DATABASE_URL: 'postgres://u@db/x',
      REDIS_URL: 'redis://a:6379, redis://b:6379',
      PUBNUB_ORIGIN: 'https://ps.pndsn.com',
      PUBNUB_SUBSCRIBE_KEY: 'sub-c-real',
      BROADCASTER_URLS: 'http://b1:8080/,http://b2:8080',
      RELAY_URLS: 'http://relay:8080',
      TIMER_MONITOR_URLS: 'http://t:8082',
      CANARY_API_TOKEN: 'a-production-token-0123',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      POD_NAMESPACE: 'sketchyaf-realtime',
    });
    assert.equal(c.host, '0.0.0.0');
    assert.deepEqual(c.redisUrls, ['redis://a:6379', 'redis://b:6379']);
    assert.equal(c.pubnub.origin, 'ps.pndsn.com');
    assert.equal(c.pubnub.ssl, true);
    assert.deepEqual(c.broadcasterUrls, ['http://b1:8080', 'http://b2:8080']);
    assert.deepEqual(c.relayUrls, ['http://relay:8080']);
    assert.deepEqual(c.kubernetes, {
      inCluster: true,
      namespace: 'sketchyaf-realtime',
      labelSelector: 'app.kubernetes.io/part-of=sketchyaf-realtime',
    });
  });

  it('names every problem at once, and what a deployed environment must set', () => {
    let caught: unknown;
    try {
      loadHealthConfig({
        APP_ENV: 'staging',
        CANARY_INTERVAL_MS: 'often',
        PORT: '70000',
        BROADCASTER_URLS: 'ftp://x',
      });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ConfigError);
    const problems = caught.problems.join('\n');
    for (const expected of [
      'DATABASE_URL: required when APP_ENV is staging',
      'PUBNUB_ORIGIN: required when APP_ENV is staging',
      'PUBNUB_SUBSCRIBE_KEY: required when APP_ENV is staging',
      'TIMER_MONITOR_URLS: required when APP_ENV is staging',
      'CANARY_API_TOKEN or BROADCAST_API_TOKENS: required when APP_ENV is staging',
      'CANARY_INTERVAL_MS: must be an integer',
      'PORT: must be at most 65535',
      'BROADCASTER_URLS: must be a comma-separated list of URLs',
    ])
      assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems}`);
  });

  it('refuses a short canary token and a bad canary user id', () => {
    assert.throws(
      () => loadHealthConfig({ CANARY_API_TOKEN: 'short', CANARY_USER_ID: 'has.dot' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('CANARY_API_TOKEN')) &&
        err.problems.some((p) => p.startsWith('CANARY_USER_ID')),
    );
  });

  it('takes the canary token from BROADCAST_API_TOKENS when CANARY_API_TOKEN is unset (what the chart sets)', () => {
    const c = loadHealthConfig({ BROADCAST_API_TOKENS: 'first-token-0123456789, second-token-0123456789' });
    assert.equal(c.canary.apiToken, 'first-token-0123456789');
  });
});
