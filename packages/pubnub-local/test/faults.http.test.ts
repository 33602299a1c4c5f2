import { strict as assert } from 'node:assert';
import http from 'node:http';
import type PubNub from 'pubnub';
import { startPubnubLocal, type PubnubLocalHandle, type Stats } from '../src/index.ts';
import {
  collect,
  createClient,
  destroyClients,
  eventually,
  subscribeAndWait,
  uniqueName,
} from './helpers.ts';

async function admin(
  handle: PubnubLocalHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${handle.url}/admin/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
}

async function stats(handle: PubnubLocalHandle): Promise<Stats> {
  return (await (await admin(handle, 'GET', 'stats')).json()) as Stats;
}

function publishUrl(handle: PubnubLocalHandle, channel: string, message: unknown): string {
  return `${handle.url}/publish/pub-c-local/sub-c-local/0/${channel}/0/${encodeURIComponent(JSON.stringify(message))}?uuid=t1`;
}

/**
 * GETs `url` on a fresh connection (no pooled keep-alive socket to confuse
 * the outcome) and returns the network error code (ECONNREFUSED,
 * ECONNRESET…) or 'ok' once a full response arrived.
 */
function networkOutcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve('ok'));
      res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'failed'));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'failed'));
  });
}

describe('pubnub-local fault injection', function () {
  let handle: PubnubLocalHandle;

  before(async function () {
    handle = await startPubnubLocal({ port: 0 });
  });

  afterEach(async function () {
    destroyClients();
    await handle.clearFaults();
  });

  after(async function () {
    destroyClients();
    await handle.stop();
  });

  it('adds the configured latency to PubNub requests but not to admin ones', async function () {
    const res = await admin(handle, 'POST', 'faults', { latencyMs: 300 });
    assert.equal(res.status, 200);
    assert.deepEqual(
      ((await res.json()) as { activeFaults: { latencyMs: number } }).activeFaults.latencyMs,
      300,
    );

    const started = performance.now();
    const time = await fetch(`${handle.url}/time/0`);
    const elapsed = performance.now() - started;
    assert.equal(time.status, 200);
    assert.ok(elapsed >= 290, `took ${elapsed} ms`);

    const adminStarted = performance.now();
    const statsNow = await stats(handle);
    assert.ok(performance.now() - adminStarted < 290, 'admin is not delayed');
    assert.ok(statsNow.faults.delayed >= 1);

    assert.equal((await admin(handle, 'DELETE', 'faults')).status, 200);
    const fastStarted = performance.now();
    await (await fetch(`${handle.url}/time/0`)).arrayBuffer();
    assert.ok(performance.now() - fastStarted < 290, 'latency is gone after DELETE');
  });

  it('answers 429 with Retry-After during a rate-limit storm, and recovers when the window ends', async function () {
    await admin(handle, 'POST', 'faults', { rateLimit: { durationMs: 400, retryAfterSeconds: 7 } });

    const limited = await fetch(publishUrl(handle, uniqueName('c'), 1));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.match(limited.headers.get('content-type') ?? '', /json/);
    assert.equal(((await limited.json()) as { status: number }).status, 429);

    await eventually(
      async () => (await fetch(`${handle.url}/time/0`)).status === 200,
      'the storm to end',
      3000,
    );
    const after = await stats(handle);
    assert.ok(after.faults.rateLimited >= 1);
    assert.equal(after.activeFaults.rateLimit, null);
  });

  it('accepts an absolute untilMs for a storm', async function () {
    await admin(handle, 'POST', 'faults', { rateLimit: { untilMs: Date.now() + 60_000 } });
    const limited = await fetch(`${handle.url}/time/0`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1', 'Retry-After defaults to 1 s');
  });

  it('answers 500 for every request at errorRate 1 and for about half at 0.5', async function () {
    await admin(handle, 'POST', 'faults', { errorRate: 1 });
    const failed = await fetch(`${handle.url}/time/0`);
    assert.equal(failed.status, 500);
    assert.match(failed.headers.get('content-type') ?? '', /json/);
    assert.equal(((await failed.json()) as { error: boolean }).error, true);

    await admin(handle, 'POST', 'faults', { errorRate: 0.5 });
    const before = (await stats(handle)).faults.errors;
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${handle.url}/time/0`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    const errors = statuses.filter((s) => s === 500).length;
    assert.ok(errors > 50 && errors < 150, `${errors} of 200 failed`);
    assert.equal(statuses.filter((s) => s !== 500 && s !== 200).length, 0);
    assert.equal((await stats(handle)).faults.errors - before, errors);
  });

  it('refuses connections during an outage, resets open ones, then listens again on the same port', async function () {
    const channel = uniqueName('outage');
    // A long-poll parked on the server when the outage begins.
    const parked = networkOutcome(
      `${handle.url}/v2/subscribe/sub-c-local/${channel}/0?tt=1${'0'.repeat(16)}&uuid=t1`,
    );
    await eventually(() => handle.stats().openLongPolls > 0, 'the long-poll to park');

    const res = await admin(handle, 'POST', 'faults', { outage: { durationMs: 700 } });
    assert.equal(res.status, 200);
    assert.equal(await parked, 'ECONNRESET');
    assert.equal(await networkOutcome(`${handle.url}/time/0`), 'ECONNREFUSED');
    assert.equal(handle.stats().listening, false);

    await eventually(
      async () => (await networkOutcome(`${handle.url}/time/0`)) === 'ok',
      'the port to reopen',
      3000,
    );
    const after = await stats(handle);
    assert.equal(after.listening, true);
    assert.equal(after.faults.outages, 1);
    assert.ok(after.faults.connectionsReset >= 1);
    assert.equal(after.activeFaults.outage, null);
  });

  it('ends an outage early through handle.clearFaults()', async function () {
    await handle.setFaults({ outage: { durationMs: 60_000 } });
    assert.equal(await networkOutcome(`${handle.url}/time/0`), 'ECONNREFUSED');
    await handle.clearFaults();
    assert.equal(await networkOutcome(`${handle.url}/time/0`), 'ok');
  });

  it('lets an SDK subscriber resume after an outage without losing what was published after it', async function () {
    this.timeout(20_000);
    const channel = uniqueName('resume');
    const subscriber = createClient(handle, 'survivor');
    const publisher = createClient(handle, 'pub-x');
    const received = collect<PubNub.Subscription.Message>(
      subscriber,
      'message',
      (e) => e.length >= 2,
      15_000,
    );
    await subscribeAndWait(subscriber, { channels: [channel] });
    await publisher.publish({ channel, message: 'before' });

    await handle.setFaults({ outage: { durationMs: 300 } });
    await eventually(
      async () => (await networkOutcome(`${handle.url}/time/0`)) === 'ok',
      'the port to reopen',
      3000,
    );
    await publisher.publish({ channel, message: 'after' });

    const events = await received.finished;
    assert.deepEqual(
      events.map((e) => e.message),
      ['before', 'after'],
    );
  });

  it('answers SDK publishes 403 the way Access Manager does while subscribes go on, then accepts them again', async function () {
    const channel = uniqueName('keys');
    const subscriber = createClient(handle, 'sub-403');
    const publisher = createClient(handle, 'pub-403');
    const received = collect<PubNub.Subscription.Message>(
      subscriber,
      'message',
      (events) => events.length >= 1,
    );
    await subscribeAndWait(subscriber, { channels: [channel] });
    await admin(handle, 'POST', 'faults', { rejectPublishes: { status: 403, durationMs: 600 } });

    const refused = await publisher.publish({ channel, message: 'refused' }).then(
      () => assert.fail('the publish was accepted'),
      (err: unknown) => err as { status?: { statusCode?: number; category?: string; errorData?: unknown } },
    );
    assert.equal(refused.status?.statusCode, 403);
    assert.equal(refused.status?.category, 'PNAccessDeniedCategory');
    const raw = await fetch(publishUrl(handle, channel, 'raw'));
    assert.equal(raw.status, 403);
    assert.deepEqual(await raw.json(), {
      message: 'Forbidden',
      payload: { channels: [channel] },
      error: true,
      service: 'Access Manager',
      status: 403,
    });
    assert.equal((await fetch(`${handle.url}/time/0`)).status, 200, 'only publishes are refused');

    await eventually(
      async () => (await fetch(publishUrl(handle, uniqueName('probe'), 1))).status === 200,
      'the rejection window to end',
      3000,
    );
    await publisher.publish({ channel, message: 'accepted' });
    const events = await received.finished;
    assert.deepEqual(
      events.map((e) => e.message),
      ['accepted'],
      'the refused publishes were never delivered',
    );
    const after = await stats(handle);
    assert.ok(after.faults.publishesRejected >= 2);
    assert.equal(after.activeFaults.rejectPublishes, null);
  });

  it('answers publishes 400 "Invalid Key" as PubNub does for an unknown key', async function () {
    await admin(handle, 'POST', 'faults', { rejectPublishes: { status: 400 } });
    const publisher = createClient(handle, 'pub-400');
    const refused = await publisher.publish({ channel: uniqueName('k'), message: 1 }).then(
      () => assert.fail('the publish was accepted'),
      (err: unknown) => err as { status?: { statusCode?: number; errorData?: unknown } },
    );
    assert.equal(refused.status?.statusCode, 400);
    const raw = await fetch(publishUrl(handle, uniqueName('k'), 1));
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as unknown[];
    assert.equal(body[0], 0);
    assert.equal(body[1], 'Invalid Key');
    assert.match(String(body[2]), /^\d{17}$/);
  });

  it('rejects an invalid faults body with every problem listed', async function () {
    const res = await admin(handle, 'POST', 'faults', { errorRate: 2, latencyMs: -1, flood: true });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; details: string[] } };
    assert.equal(body.error.code, 'invalid_faults');
    assert.equal(body.error.details.length, 3);
    assert.equal((await stats(handle)).activeFaults.errorRate, 0);
  });

  it('merges successive fault settings and reports them', async function () {
    await admin(handle, 'POST', 'faults', { latencyMs: 5 });
    await admin(handle, 'POST', 'faults', { errorRate: 0.25 });
    const res = await admin(handle, 'GET', 'faults');
    const { activeFaults } = (await res.json()) as { activeFaults: { latencyMs: number; errorRate: number } };
    assert.equal(activeFaults.latencyMs, 5);
    assert.equal(activeFaults.errorRate, 0.25);
  });

  it('applies faults given as start options', async function () {
    const slow = await startPubnubLocal({ port: 0, faults: { latencyMs: 200 } });
    try {
      const started = performance.now();
      await (await fetch(`${slow.url}/time/0`)).arrayBuffer();
      assert.ok(performance.now() - started >= 190);
      assert.equal(slow.stats().faults.delayed, 1);
    } finally {
      await slow.stop();
    }
  });
});
