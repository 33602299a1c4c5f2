// The undici publisher must put on the wire what the official SDK puts there
// for the same message, and fail the same way: both are run against
// pubnub-local, which records every request as it arrived.
import { strict as assert } from 'node:assert';
import { inflateSync } from 'node:zlib';
import { startTcpProxy, type TcpProxy } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle, type RecordedRequest } from '@sketchyaf/pubnub-local';
import { buildEnvelope, type Envelope } from '../src/events/envelope.ts';
import type { Publisher, PublisherKind } from '../src/relay/publisher.ts';
import { PublishError, RateLimitedPublishError } from '../src/relay/publishErrors.ts';
import { createRelayPublisher } from '../src/relay/relayPublisher.ts';

const secretKey = 'sec-c-conformance';
const userId = 'relay-conformance é/+';

function publisherOf(
  kind: PublisherKind,
  origin: string,
  secret: string | null,
  timeoutMs = 5000,
): Publisher {
  return createRelayPublisher({
    kind,
    publishKey: 'pub-c-local',
    subscribeKey: 'sub-c-local',
    origin,
    ssl: false,
    userId,
    secretKey: secret,
    timeoutMs,
    rateLimitDefaultMs: 1234,
    connections: 4,
    pipelining: 1,
  });
}

function envelope(channel: string, data: unknown): Envelope {
  return buildEnvelope({
    eventId: '01JCONFORMANCE0000000000000',
    type: 'game.phase_changed',
    gameId: null,
    sequence: null,
    channel,
    occurredAt: '2026-12-04T03:00:00.000Z',
    requestId: 'req-1',
    source: 'api',
    data,
  });
}

interface Case {
  name: string;
  channel: string;
  data: unknown;
}

const large = {
  strokes: Array.from({ length: 400 }, (_, i) => ({ i, path: `M${i} ${i * 2} L${i + 1} ✏️ "q" & %` })),
};
const cases: Case[] = [
  { name: 'a plain game channel', channel: 'sketchyaf.game.g-123', data: { phase: 'drawing', round: 2 } },
  {
    name: 'a channel that needs URL-encoding',
    channel: "sketchyaf.user.名前 a+b&c=d?e#f%g!~*'()",
    data: { ok: true },
  },
  {
    name: 'unicode and reserved characters in the message',
    channel: 'sketchyaf.game.ünï',
    data: { text: 'héllo 🎨 & <b>"quoted"</b> 100% !~*\'() /?#[]@', nested: [null, 1.5, -0, 'ß'] },
  },
  { name: 'a large message (sent by POST)', channel: 'sketchyaf.game.big', data: large },
];

function approxBytesOf(message: Envelope): number {
  return Buffer.byteLength(JSON.stringify(message));
}

function splitTarget(url: string): { path: string; query: [string, string][] } {
  const at = url.indexOf('?');
  const query = (at === -1 ? '' : url.slice(at + 1))
    .split('&')
    .filter((part) => part !== '')
    .map((part): [string, string] => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq), decodeURIComponent(part.slice(eq + 1))];
    });
  return { path: at === -1 ? url : url.slice(0, at), query };
}

// Values that legitimately differ per request or per client; each is checked for its form instead.
const varying = new Set(['requestid', 'pnsdk', 'timestamp', 'signature']);
const uuidForm = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function compareRequests(sdk: RecordedRequest, ours: RecordedRequest, signed: boolean): void {
  assert.equal(ours.method, sdk.method, 'method');
  const a = splitTarget(sdk.url);
  const b = splitTarget(ours.url);
  assert.equal(b.path, a.path, 'path, percent-encoding included');
  assert.deepEqual(
    b.query.map(([name]) => name),
    a.query.map(([name]) => name),
    'query parameter names, in order',
  );
  assert.deepEqual(
    b.query.filter(([name]) => !varying.has(name)),
    a.query.filter(([name]) => !varying.has(name)),
    'query parameter values',
  );
  const names = a.query.map(([name]) => name);
  assert.equal(names.includes('signature'), signed);
  assert.equal(names.includes('timestamp'), signed);
  for (const [name, value] of [...a.query, ...b.query]) {
    if (name === 'requestid') assert.match(value, uuidForm);
    if (name === 'timestamp') assert.ok(Math.abs(Number(value) - Date.now() / 1000) < 60, 'timestamp is now');
    if (name === 'signature') assert.match(value, /^v2\.[A-Za-z0-9_-]{43}$/);
  }
  // With Access Manager on, pubnub-local answers 200 only to a valid signature.
  assert.equal(sdk.status, 200, 'the SDK request was accepted');
  assert.equal(ours.status, 200, 'our request was accepted');
  // What PubNub reads; the SDK also sends fetch's Accept, Accept-Language, Sec-Fetch-Mode, User-Agent and Accept-Encoding.
  for (const header of ['host', 'connection', 'content-type', 'content-encoding', 'content-length'])
    assert.equal(ours.headers[header], sdk.headers[header], header);
  assert.ok(ours.body.equals(sdk.body), 'body bytes');
}

describe('publisher conformance: undici and the official SDK send the same publish', function () {
  this.timeout(30_000);

  for (const secret of [null, secretKey]) {
    describe(secret === null ? 'unsigned (Access Manager off)' : 'signed with the secret key', () => {
      let pubnub: PubnubLocalHandle;
      let sdk: Publisher;
      let ours: Publisher;
      const recorded: RecordedRequest[] = [];

      before(async () => {
        pubnub = await startPubnubLocal({
          ...(secret === null ? {} : { secretKey: secret }),
          onRequest: (request) => recorded.push(request),
        });
        sdk = publisherOf('sdk', pubnub.origin, secret);
        ours = publisherOf('undici', pubnub.origin, secret);
      });

      after(async () => {
        sdk.close();
        ours.close();
        await pubnub.stop();
      });

      async function publishRecorded(publisher: Publisher, item: Case): Promise<RecordedRequest> {
        recorded.length = 0;
        const message = envelope(item.channel, item.data);
        const timetoken = await publisher.publish(item.channel, message, approxBytesOf(message));
        assert.match(timetoken, /^\d{17}$/);
        const publishes = recorded.filter((r) => r.url.startsWith('/publish/'));
        assert.equal(publishes.length, 1, 'one publish request');
        return publishes[0] as RecordedRequest;
      }

      for (const item of cases) {
        it(item.name, async () => {
          const fromSdk = await publishRecorded(sdk, item);
          const fromUs = await publishRecorded(ours, item);
          if (item === cases.at(-1)) {
            assert.equal(fromSdk.method, 'POST', 'a large message goes by POST');
            assert.deepEqual(
              JSON.parse(inflateSync(fromUs.body).toString('utf8')),
              JSON.parse(JSON.stringify(envelope(item.channel, item.data))),
            );
          }
          compareRequests(fromSdk, fromUs, secret !== null);
        });
      }
    });
  }
});

interface Failure {
  kind: string;
  statusCode: number;
  retryAfterMs?: number;
}

async function failureOf(publisher: Publisher): Promise<Failure> {
  const message = envelope('sketchyaf.game.fail', { x: 1 });
  try {
    await publisher.publish('sketchyaf.game.fail', message, approxBytesOf(message));
  } catch (err) {
    assert.ok(err instanceof PublishError, `a PublishError, not ${String(err)}`);
    return {
      kind: err.kind,
      statusCode: err.statusCode,
      ...(err instanceof RateLimitedPublishError ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  assert.fail('the publish succeeded');
}

describe('publisher conformance: undici and the official SDK classify failures alike', function () {
  this.timeout(30_000);
  let pubnub: PubnubLocalHandle;
  let proxy: TcpProxy;
  let sdk: Publisher;
  let ours: Publisher;
  const timeoutMs = 400;

  before(async () => {
    pubnub = await startPubnubLocal();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: pubnub.port });
    sdk = publisherOf('sdk', `127.0.0.1:${proxy.port}`, null, timeoutMs);
    ours = publisherOf('undici', `127.0.0.1:${proxy.port}`, null, timeoutMs);
  });

  after(async () => {
    sdk.close();
    ours.close();
    await proxy.close();
    await pubnub.stop();
  });

  afterEach(async () => {
    await pubnub.clearFaults();
    await proxy.setMode('forward');
  });

  async function both(expected: Failure): Promise<void> {
    assert.deepEqual(await failureOf(sdk), expected, 'the SDK publisher');
    assert.deepEqual(await failureOf(ours), expected, 'the undici publisher');
  }

  const rejections: [number, string | undefined, Failure][] = [
    [403, undefined, { kind: 'configuration', statusCode: 403 }],
    [400, 'Invalid Key', { kind: 'configuration', statusCode: 400 }],
    [400, 'Invalid JSON', { kind: 'poison', statusCode: 400 }],
    [413, 'Message Too Large', { kind: 'poison', statusCode: 413 }],
  ];
  for (const [status, message, expected] of rejections) {
    it(`${status} ${message ?? ''}: ${expected.kind}`, async () => {
      await pubnub.setFaults({ rejectPublishes: { status, ...(message ? { message } : {}) } });
      await both(expected);
    });
  }

  it('429 with Retry-After: rate_limited for that long', async () => {
    await pubnub.setFaults({ rateLimit: { retryAfterSeconds: 7 } });
    await both({ kind: 'rate_limited', statusCode: 429, retryAfterMs: 7000 });
  });

  it('500: transient', async () => {
    await pubnub.setFaults({ errorRate: 1 });
    await both({ kind: 'transient', statusCode: 500 });
  });

  it('a refused connection: transient, no status', async () => {
    await proxy.setMode('refuse');
    await both({ kind: 'transient', statusCode: 0 });
  });

  it('silence (a blackhole): transient after the publish timeout', async () => {
    await proxy.setMode('blackhole');
    for (const [name, publisher] of [
      ['the SDK publisher', sdk],
      ['the undici publisher', ours],
    ] as const) {
      const started = performance.now();
      assert.deepEqual(await failureOf(publisher), { kind: 'transient', statusCode: 0 }, name);
      // At its timeout, not undici's 300 s default; undici checks its timeouts on a ~0.5 s tick.
      const ms = performance.now() - started;
      assert.ok(ms >= timeoutMs - 50 && ms < timeoutMs + 1500, `${name} gave up after ${Math.round(ms)} ms`);
    }
  });

  it('a wrong publish key: configuration', async () => {
    const sdkWrong = createRelayPublisher({
      kind: 'sdk',
      publishKey: 'pub-c-wrong',
      subscribeKey: 'sub-c-local',
      origin: pubnub.origin,
      ssl: false,
      userId,
      secretKey: null,
      timeoutMs,
      rateLimitDefaultMs: 1000,
      connections: 1,
      pipelining: 1,
    });
    const oursWrong = createRelayPublisher({
      kind: 'undici',
      publishKey: 'pub-c-wrong',
      subscribeKey: 'sub-c-local',
      origin: pubnub.origin,
      ssl: false,
      userId,
      secretKey: null,
      timeoutMs,
      rateLimitDefaultMs: 1000,
      connections: 1,
      pipelining: 1,
    });
    try {
      const expected = { kind: 'configuration', statusCode: 403 };
      assert.deepEqual(await failureOf(sdkWrong), expected);
      assert.deepEqual(await failureOf(oursWrong), expected);
    } finally {
      sdkWrong.close();
      oursWrong.close();
    }
  });
});
