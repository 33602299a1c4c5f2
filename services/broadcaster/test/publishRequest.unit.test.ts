import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { buildPublishRequest, encodeString, pnsdk } from '../src/relay/publishRequest.ts';
import { readPublishAnswer } from '../src/relay/publishResponse.ts';

const keys = { publishKey: 'pub-c-1', subscribeKey: 'sub-c-1', userId: 'relay 1', secretKey: null };
const requestId = '3b241101-e2bb-4255-8caf-4136c566a962';
const now = Date.UTC(2026, 11, 4, 3, 0, 0, 750);

describe('publish request (as the SDK builds it)', () => {
  it("encodes as the SDK does: encodeURIComponent plus !~*'()", () => {
    assert.equal(encodeString("a b!~*'()/é"), 'a%20b%21%7E%2A%27%28%29%2F%C3%A9');
  });

  it('puts a small message in the path of a GET, with uuid, requestid and pnsdk', () => {
    const request = buildPublishRequest(keys, 'game.a/b', '{"x":"é"}', false, requestId, now);
    assert.equal(request.method, 'GET');
    assert.equal(
      request.path,
      `/publish/pub-c-1/sub-c-1/0/game.a%2Fb/0/%7B%22x%22%3A%22%C3%A9%22%7D?uuid=relay%201&requestid=${requestId}&pnsdk=${encodeString(pnsdk)}`,
    );
    assert.deepEqual(request.headers, {});
    assert.equal(request.body, null);
  });

  it('sends a large message as a deflated JSON POST body', () => {
    const json = JSON.stringify({ big: 'y'.repeat(5000) });
    const request = buildPublishRequest(keys, 'game.a', json, true, requestId, now);
    assert.equal(request.method, 'POST');
    assert.ok(request.path.startsWith('/publish/pub-c-1/sub-c-1/0/game.a/0?uuid='));
    assert.deepEqual(request.headers, { 'content-type': 'application/json', 'content-encoding': 'deflate' });
    assert.ok(request.body);
    assert.equal(inflateSync(request.body).toString('utf8'), json);
    assert.ok(request.body.length < json.length / 10, 'compressed');
  });

  it('signs with the secret key: v2 HMAC of GET, publish key, path and sorted query', () => {
    const signed = { ...keys, secretKey: 'sec-c-1' };
    const request = buildPublishRequest(signed, 'game.a', '{"x":1}', true, requestId, now);
    const [path, query = ''] = request.path.split('?') as [string, string?];
    const params = query.split('&').map((part) => part.split('=') as [string, string]);
    assert.deepEqual(
      params.map(([name]) => name),
      ['uuid', 'requestid', 'pnsdk', 'timestamp', 'signature'],
    );
    assert.equal(params[3]?.[1], '1796353200', 'whole seconds of the clock');
    const sorted = `pnsdk=${encodeString(pnsdk)}&requestid=${requestId}&timestamp=1796353200&uuid=relay%201`;
    const expected = createHmac('sha256', 'sec-c-1')
      .update(`GET\npub-c-1\n${path}\n${sorted}\n`)
      .digest('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    assert.equal(decodeURIComponent(params[4]?.[1] ?? ''), `v2.${expected}`);
  });
});

describe('publish answer', () => {
  const read = (status: number, body: string, retryAfter?: string) =>
    readPublishAnswer(status, body, retryAfter, now, 1234);

  it('takes the timetoken of 200 [1,"Sent",tt]', () => {
    assert.deepEqual(read(200, '[1,"Sent","17964024000000000"]'), {
      ok: true,
      timetoken: '17964024000000000',
    });
  });

  const failures: [number, string, string | undefined, string, number][] = [
    [200, '<html>', undefined, 'transient', 0],
    [200, '[0,"Sent"]', undefined, 'transient', 0],
    [500, '{"message":"Internal Server Error","error":true}', undefined, 'transient', 500],
    [502, '', undefined, 'transient', 502],
    [429, '{"status":429,"message":"Too Many Requests"}', '3', 'rate_limited', 429],
    [
      403,
      '{"message":"Forbidden","error":true,"service":"Access Manager","status":403}',
      undefined,
      'configuration',
      403,
    ],
    [400, '[0,"Invalid Key","17964024000000000"]', undefined, 'configuration', 400],
    [400, '[0,"Invalid JSON","17964024000000000"]', undefined, 'poison', 400],
    [413, '[0,"Message Too Large","17964024000000000"]', undefined, 'poison', 413],
  ];
  for (const [status, body, retryAfter, kind, statusCode] of failures) {
    it(`${status} ${body || '(empty)'}: ${kind}`, () => {
      const answer = read(status, body, retryAfter);
      assert.ok(!answer.ok);
      assert.equal(answer.error.kind, kind);
      assert.equal(answer.error.statusCode, statusCode);
    });
  }

  it("waits for 429's Retry-After, or the default without one", () => {
    const withHeader = read(429, '', '3');
    const without = read(429, '', undefined);
    assert.ok(
      !withHeader.ok && withHeader.error.kind === 'rate_limited' && 'retryAfterMs' in withHeader.error,
    );
    assert.equal(withHeader.error.retryAfterMs, 3000);
    assert.ok(!without.ok && 'retryAfterMs' in without.error);
    assert.equal(without.error.retryAfterMs, 1234);
  });
});
