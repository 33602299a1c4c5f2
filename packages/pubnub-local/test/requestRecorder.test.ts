import { strict as assert } from 'node:assert';
import zlib from 'node:zlib';
import { startPubnubLocal, type PubnubLocalHandle, type RecordedRequest } from '../src/index.ts';

describe('pubnub-local request recorder (onRequest)', function () {
  let handle: PubnubLocalHandle;
  const recorded: RecordedRequest[] = [];

  before(async function () {
    handle = await startPubnubLocal({ port: 0, onRequest: (request) => recorded.push(request) });
  });

  after(async function () {
    await handle.stop();
  });

  beforeEach(function () {
    recorded.length = 0;
  });

  it('records a GET publish with its raw target and the status answered', async function () {
    const target = '/publish/pub-c-local/sub-c-local/0/a%20b/0/%7B%22x%22%3A1%7D?uuid=r%2B1';
    const response = await fetch(`${handle.url}${target}`);
    await response.text();
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]?.method, 'GET');
    assert.equal(recorded[0]?.url, target, 'percent-encoding as sent');
    assert.equal(recorded[0]?.status, 200);
    assert.equal(recorded[0]?.body.length, 0);
  });

  it('records a deflated POST body as it arrived, before it is inflated', async function () {
    const body = zlib.deflateSync(JSON.stringify({ big: 'z'.repeat(1000) }));
    const response = await fetch(`${handle.url}/publish/pub-c-local/sub-c-local/0/c/0?uuid=r`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' },
      body,
    });
    assert.equal(response.status, 200, await response.text());
    assert.equal(recorded.length, 1);
    assert.ok(recorded[0]?.body.equals(body), 'the raw deflated bytes');
    assert.equal(recorded[0]?.headers['content-encoding'], 'deflate');
  });

  it('records refused requests too, with their status', async function () {
    const response = await fetch(`${handle.url}/publish/pub-c-wrong/sub-c-local/0/c/0/1?uuid=r`);
    await response.text();
    assert.equal(recorded[0]?.status, 403);
  });
});
