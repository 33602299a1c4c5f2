import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import {
  createHttpListener,
  createSilentLogger,
  startHttpServer,
  type HttpServerHandle,
} from '@sketchyaf/core';
import { IngestRejection } from '../src/errors.ts';
import { overloadGate } from '../src/http/overloadGate.ts';
import { metricValue } from './helpers.ts';

describe('overloadGate: ingest refused in front of Express (real HTTP server)', () => {
  const overloaded = new IngestRejection('overloaded', 'overloaded', 'The write queue is full; retry later', {
    retryAfterSeconds: 1,
    outcome: 'not_written',
    limit: 'events',
  });
  let full = true;
  let refused = 0;
  let reachedExpress = 0;
  const registry = new Registry();
  let server: HttpServerHandle;

  before(async () => {
    const listener = createHttpListener({
      gate: overloadGate({ refusal: () => (full ? overloaded : null), onRefused: () => (refused += 1) }),
      logger: createSilentLogger(),
      registry,
      readiness: [],
      routes: (app) => {
        app.post(['/v1/events', '/v1/events/batch', '/v1/other'], (_req, res) => {
          reachedExpress += 1;
          res.status(202).json({ ok: true });
        });
      },
    });
    server = await startHttpServer(listener, { host: '127.0.0.1', port: 0 });
  });
  after(() => server.stop());

  const send = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"vote_cast"}',
      ...init,
    });

  it("answers a full queue's 503 as core's error handler would, without reading the body or reaching a route", async () => {
    full = true;
    const res = await send('/v1/events?wait=published', { headers: { 'x-request-id': 'caller-id-1' } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(res.headers.get('x-request-id'), 'caller-id-1');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), {
      error: {
        code: 'overloaded',
        message: 'The write queue is full; retry later',
        details: { retryAfterSeconds: 1, outcome: 'not_written', limit: 'events' },
      },
      requestId: 'caller-id-1',
    });
    const batch = await send('/v1/events/batch', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.equal(batch.status, 503);
    const { requestId } = (await batch.json()) as { requestId: string };
    assert.match(requestId, /^[0-9a-f-]{36}$/, 'an unsafe caller id is replaced, as core does');
    assert.equal(batch.headers.get('x-request-id'), requestId);
    assert.equal(refused, 2);
    assert.equal(reachedExpress, 0);
    const metrics = await registry.metrics();
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_http_requests_total',
        'route="/v1/events",method="POST",status="503"',
      ),
      1,
    );
    assert.equal(
      metricValue(
        metrics,
        'sketchyaf_realtime_http_requests_total',
        'route="/v1/events/batch",method="POST",status="503"',
      ),
      1,
    );
  });

  it('hands everything else to Express: other routes and methods, and every request while the queue has room', async () => {
    full = true;
    const before = { refused, reachedExpress };
    assert.equal((await send('/v1/other')).status, 202);
    assert.equal((await fetch(`${server.url}/v1/events`)).status, 404, 'GET is not gated');
    assert.equal((await fetch(`${server.url}/livez`)).status, 200);
    full = false;
    assert.equal((await send('/v1/events')).status, 202);
    assert.equal((await send('/v1/events/batch')).status, 202);
    assert.deepEqual(
      { refused, reachedExpress },
      { refused: before.refused, reachedExpress: before.reachedExpress + 3 },
    );
  });
});
