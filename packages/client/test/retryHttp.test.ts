// The client's retries against a real HTTP server that answers what the test
// scripts: 503 and 429 with Retry-After, errors that must not be retried,
// silence. Back-off waits go through an injected clock that records them.
import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createClient,
  RealtimeApiError,
  RealtimeError,
  RealtimeNetworkError,
  RealtimeTimeoutError,
  type ClientClock,
  type RealtimeClient,
} from '../src/index.ts';

/**
 * Attempt timeouts (exactly `attemptTimeoutMs`) run in real time; every other
 * wait (the back-off) is recorded and skipped, moving the virtual `now` on.
 */
class RecordingClock implements ClientClock {
  readonly waits: number[] = [];
  #now = 0;
  readonly #attemptTimeoutMs: number;

  constructor(attemptTimeoutMs: number) {
    this.#attemptTimeoutMs = attemptTimeoutMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    if (ms === this.#attemptTimeoutMs) return setTimeout(callback, ms);
    this.waits.push(ms);
    return setTimeout(() => {
      this.#now += ms;
      callback();
    }, 0);
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer. */
  silent?: boolean;
}

interface Seen {
  url: string;
  key: string | undefined;
  body: string;
}

const receipt = { eventId: 'e-1', requestId: 'r-1', channel: 'user.alice', sequence: null };
const event = {
  type: 'user_notification',
  userId: 'alice',
  data: { kind: 'friend_invite', title: 'Hi' },
} as const;
const unavailable = (retryAfter: string): Scripted => ({
  status: 503,
  headers: { 'retry-after': retryAfter },
  body: { error: { code: 'unavailable', message: 'retry later', details: null }, requestId: 'r-x' },
});

describe('client retries (real HTTP)', function () {
  this.timeout(30_000);
  let server: http.Server;
  let baseUrl: string;
  let script: Scripted[] = [];
  let seen: Seen[] = [];
  const hung: http.ServerResponse[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body });
        const next = script.shift() ?? { status: 500 };
        if (next.silent) {
          hung.push(res);
          return;
        }
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
        res.end(JSON.stringify(next.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    script = [];
    seen = [];
  });
  after(async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (clock: ClientClock, retry = {}): RealtimeClient =>
    createClient({ baseUrl, token: 'secret-token', timeoutMs: 5000, clock, retry, random: () => 0 });

  it('honours Retry-After on 503 and 429, with the same Idempotency-Key on every attempt', async () => {
    const clock = new RecordingClock(5000);
    script = [
      unavailable('2'),
      { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited' } } },
      { status: 202, body: receipt },
    ];
    const result = await client(clock).send(event);
    assert.deepEqual(clock.waits, [2000, 1000], 'waited what the server asked for, no less');
    assert.equal(result.attempts, 3);
    assert.equal(result.eventId, 'e-1');
    assert.equal(result.replayed, false);
    assert.equal(seen.length, 3);
    assert.match(result.idempotencyKey, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      seen.map((s) => s.key),
      [result.idempotencyKey, result.idempotencyKey, result.idempotencyKey],
    );
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), event);
    assert.equal(seen[0]?.url, '/v1/events');
  });

  it('gives every call its own key, or the caller’s; reports a replay', async () => {
    const clock = new RecordingClock(5000);
    script = [
      { status: 202, body: receipt },
      { status: 202, body: receipt, headers: { 'idempotent-replayed': 'true' } },
    ];
    const c = client(clock);
    await c.send(event);
    const replay = await c.send(event, { idempotencyKey: 'order-42' });
    assert.notEqual(seen[0]?.key, seen[1]?.key);
    assert.equal(seen[1]?.key, 'order-42');
    assert.equal(replay.replayed, true);
  });

  it('backs off exponentially without Retry-After, and gives up after maxAttempts with the last error', async () => {
    const clock = new RecordingClock(5000);
    script = [unavailable('x'), unavailable('x'), unavailable('x')];
    const err = await client(clock, { maxAttempts: 3, baseDelayMs: 100 })
      .send(event)
      .then(() => assert.fail('should throw'))
      .catch((e: unknown) => e);
    assert.ok(err instanceof RealtimeApiError);
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.status, 503);
    assert.equal(err.code, 'unavailable');
    assert.equal(err.requestId, 'r-x');
    assert.equal(err.attempts, 3);
    assert.equal(err.retryAfterMs, null, 'an unreadable Retry-After is ignored');
    assert.deepEqual(clock.waits, [50, 100], 'half of 100, then half of 200 (random() = 0)');
  });

  it('does not retry a wait that would end past maxElapsedMs', async () => {
    const clock = new RecordingClock(5000);
    script = [unavailable('60')];
    const err = await client(clock, { maxElapsedMs: 30_000 })
      .send(event)
      .catch((e: unknown) => e);
    assert.ok(err instanceof RealtimeApiError);
    assert.equal(err.retryAfterMs, 60_000);
    assert.equal(seen.length, 1);
    assert.deepEqual(clock.waits, []);
  });

  it('never retries 4xx other than 429, nor 500', async () => {
    const answers: [Scripted, string][] = [
      [
        {
          status: 400,
          body: {
            error: { code: 'validation_failed', message: 'bad', details: [{ path: 'data.title' }] },
          },
        },
        'validation',
      ],
      [{ status: 401, body: { error: { code: 'unauthorized' } } }, 'auth'],
      [{ status: 403, body: { error: { code: 'insufficient_scope', details: { scope: 'x' } } } }, 'scope'],
      [{ status: 422, body: { error: { code: 'idempotency_key_reused' } } }, 'idempotency_reused'],
      [{ status: 500, body: { error: { code: 'internal' } } }, 'server'],
    ];
    for (const [answer, kind] of answers) {
      seen = [];
      script = [answer, { status: 202, body: receipt }];
      const err = await client(new RecordingClock(5000))
        .send(event)
        .catch((e: unknown) => e);
      assert.ok(err instanceof RealtimeApiError, kind);
      assert.equal(err.kind, kind);
      assert.equal(err.retryable, false);
      assert.equal(seen.length, 1, `${kind}: one request`);
    }
  });

  it('times an attempt out, retries it with the same key, then throws a timeout error', async () => {
    const clock = new RecordingClock(300);
    script = [
      { status: 0, silent: true },
      { status: 0, silent: true },
    ];
    const started = performance.now();
    const err = await createClient({ baseUrl, token: 't', timeoutMs: 300, clock, retry: { maxAttempts: 2 } })
      .send(event)
      .catch((e: unknown) => e);
    assert.ok(err instanceof RealtimeTimeoutError);
    assert.equal(err.kind, 'timeout');
    assert.equal(err.attempts, 2);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.key, seen[1]?.key);
    assert.ok(performance.now() - started < 5000, 'bounded by the attempt timeouts');
  });

  it('retries a refused connection, then throws a network error naming the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const clock = new RecordingClock(5000);
    const err = await createClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: 't',
      timeoutMs: 5000,
      clock,
    })
      .send(event)
      .catch((e: unknown) => e);
    assert.ok(err instanceof RealtimeNetworkError);
    assert.equal(err.attempts, 5);
    assert.equal(clock.waits.length, 4);
    assert.match(err.message, /ECONNREFUSED/);
  });

  it("stops at once when the caller's signal aborts, even during a back-off", async () => {
    script = [unavailable('5')];
    const controller = new AbortController();
    const started = performance.now();
    const pending = createClient({ baseUrl, token: 't' }).send(event, { signal: controller.signal });
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('caller gave up'));
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof Error && !(err instanceof RealtimeError));
    assert.equal(err.message, 'caller gave up');
    assert.ok(performance.now() - started < 2000, 'did not sit out the 5 s Retry-After');
  });

  it('posts a batch to /v1/events/batch and reads one receipt per event', async () => {
    script = [
      {
        status: 200,
        body: [
          { ...receipt, deliveryState: 'published', timetoken: '17' },
          { ...receipt, eventId: 'e-2', deliveryState: 'pending', timetoken: null },
        ],
      },
    ];
    // The attempt's timeout covers the wait for delivery too: 5000 + 2000.
    const result = await client(new RecordingClock(7000)).sendBatch([event, event], {
      waitForDelivery: { timeoutMs: 2000 },
    });
    assert.equal(seen[0]?.url, '/v1/events/batch?wait=published&waitTimeoutMs=2000');
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { events: [event, event] });
    assert.deepEqual(
      result.events.map((e) => [e.eventId, e.deliveryState, e.timetoken]),
      [
        ['e-1', 'published', '17'],
        ['e-2', 'pending', null],
      ],
    );
  });

  it('refuses bad options when created', () => {
    assert.throws(() => createClient({ baseUrl: 'ftp://x', token: 't' }), /http or https/);
    assert.throws(() => createClient({ baseUrl: 'not a url', token: 't' }), TypeError);
    assert.throws(() => createClient({ baseUrl, token: '' }), /token/);
    assert.throws(() => createClient({ baseUrl, token: 't', timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => createClient({ baseUrl, token: 't', retry: { maxAttempts: 1.5 } }), /maxAttempts/);
  });
});
