import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { buildOpenApiDocument } from '../src/http/openapiDocument.ts';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import { adminToken, apiToken, createGames, startTestBroadcaster } from './helpers.ts';
import { OpenApiValidator } from './openapiValidator.ts';

interface Call {
  method: string;
  /** The document's path (the request's, less its query). */
  path: string;
  query?: string;
  headers?: Record<string, string>;
  /** Sent as is when a string, else as JSON. */
  body?: unknown;
  token?: string | null;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

const missingGame = '00000000-0000-4000-8000-000000000000';

// Real requests to a real broadcaster; every answer must be one the document
// describes: its status listed for the operation, its body matching that
// response's schema, its required headers present.
describe('the broadcaster answers as its OpenAPI document says', function () {
  this.timeout(120_000);
  const doc = buildOpenApiDocument();
  const validator = new OpenApiValidator(doc);
  const problems: string[] = [];
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let gameId = '';

  async function call(c: Call): Promise<Answer> {
    const headers: Record<string, string> = { ...c.headers };
    const token = c.token === undefined ? apiToken : c.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (c.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${service.url}${c.path}${c.query ?? ''}`, {
      method: c.method,
      headers,
      ...(c.body === undefined ? {} : { body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text) as unknown;
    problems.push(...validator.responseProblems(c.method, c.path, res.status, body, res.headers));
    return { status: res.status, body, headers: res.headers };
  }

  async function expect(c: Call, status: number, code?: string): Promise<Answer> {
    const answer = await call(c);
    assert.equal(answer.status, status, `${c.method} ${c.path}: ${JSON.stringify(answer.body)}`);
    if (code !== undefined) assert.equal((answer.body as { error: { code: string } }).error.code, code);
    return answer;
  }

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
    [gameId = ''] = await createGames(pool, 1);
  });
  beforeEach(() => {
    problems.length = 0;
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(problems, [], 'answers the document does not describe');
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it('serves the document unauthenticated at GET /openapi.json, the same as docs/openapi.json', async () => {
    const answer = await expect({ method: 'get', path: '/openapi.json', token: null }, 200);
    assert.deepEqual(answer.body, doc);
    const committed = JSON.parse(
      await readFile(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    assert.deepEqual(answer.body, committed);
  });

  it('accepts every example event singly, as a batch, and with ?wait=published', async () => {
    const events = Object.values(exampleEvents(gameId));
    for (const event of events) {
      problems.push(...validator.requestProblems('post', '/v1/events', event));
      await expect({ method: 'post', path: '/v1/events', body: event }, 202);
    }
    const batch = await expect({ method: 'post', path: '/v1/events/batch', body: { events } }, 202);
    assert.equal((batch.body as unknown[]).length, events.length);
    const waited = await expect(
      {
        method: 'post',
        path: '/v1/events',
        query: '?wait=published&waitTimeoutMs=5000',
        body: events.at(-1),
      },
      200,
    );
    assert.equal((waited.body as { deliveryState: string }).deliveryState, 'published');
  });

  it('answers a replay and a reused Idempotency-Key as documented', async () => {
    const event = exampleEvents(gameId)['vote_cast'];
    const headers = { 'idempotency-key': 'openapi-conformance-1' };
    const first = await expect({ method: 'post', path: '/v1/events', headers, body: event }, 202);
    const again = await expect({ method: 'post', path: '/v1/events', headers, body: event }, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    const other = { ...event, data: { voterId: 'p9', drawingId: 'd-1', round: 1 } };
    await expect({ method: 'post', path: '/v1/events', headers, body: other }, 422, 'idempotency_key_reused');
    await expect(
      { method: 'post', path: '/v1/events', headers: { 'idempotency-key': 'x'.repeat(256) }, body: event },
      400,
      'validation_failed',
    );
  });

  it('refuses bad requests with documented statuses, codes and bodies', async () => {
    const vote = exampleEvents(gameId)['vote_cast'] ?? {};
    const ingest = ['/v1/events', '/v1/events/batch'];
    for (const path of ingest) {
      const body = path.endsWith('batch') ? { events: [vote] } : vote;
      await expect({ method: 'post', path, body, token: null }, 401, 'unauthorized');
      await expect({ method: 'post', path, body, token: 'not-a-token' }, 403, 'forbidden');
      await expect(
        { method: 'post', path, body, headers: { origin: 'https://evil.example.com' } },
        403,
        'forbidden',
      );
      await expect({ method: 'post', path, body: '{"type":', token: apiToken }, 400, 'invalid_json');
      await expect({ method: 'post', path, body, headers: { 'content-type': 'text/plain' } }, 415);
      await expect({ method: 'post', path, query: '?wait=soon', body }, 400, 'validation_failed');
      await expect({ method: 'options', path, headers: { origin: 'https://play.example.com' } }, 204);
      await expect({ method: 'options', path, headers: { origin: 'https://evil.example.com' } }, 403);
    }
    await expect(
      { method: 'post', path: '/v1/events', body: { ...vote, type: 'nope' } },
      400,
      'validation_failed',
    );
    await expect(
      { method: 'post', path: '/v1/events', body: { ...vote, gameId: missingGame } },
      404,
      'not_found',
    );
    await expect(
      { method: 'post', path: '/v1/events/batch', body: { events: Array.from({ length: 101 }, () => vote) } },
      413,
      'payload_too_large',
    );
    await expect(
      { method: 'post', path: '/v1/events', body: JSON.stringify({ ...vote, pad: 'x'.repeat(70_000) }) },
      413,
      'payload_too_large',
    );
  });

  it('answers the admin routes and probes as documented', async () => {
    const admin = { token: adminToken };
    await expect({ method: 'get', path: '/admin/dead-letters', ...admin }, 200);
    await expect({ method: 'get', path: '/admin/dead-letters', query: '?limit=0', ...admin }, 400);
    await expect({ method: 'get', path: '/admin/dead-letters', token: null }, 401);
    await expect({ method: 'get', path: '/admin/dead-letters', token: apiToken }, 403);
    await expect({ method: 'post', path: '/admin/dead-letters/redrive', body: { all: true }, ...admin }, 200);
    await expect({ method: 'post', path: '/admin/dead-letters/redrive', body: {}, ...admin }, 400);
    await expect({ method: 'post', path: '/admin/dead-letters/redrive', body: '[', ...admin }, 400);
    for (const path of ['/livez', '/readyz', '/metrics', '/control'])
      await expect({ method: 'get', path, token: null }, 200);
  });
});
