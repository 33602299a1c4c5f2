import { strict as assert } from 'node:assert';
import { parseGrantRequest } from '../src/pam/grantRequest.ts';
import { isExpired, issueToken, readToken, READ, type Grant } from '../src/pam/token.ts';

const SECRET = 'sec-c-test';
const grant: Grant = {
  timestampSec: 1_700_000_000,
  ttlMinutes: 10,
  resources: { channels: { 'game.1': READ }, groups: {}, uuids: {} },
  patterns: { channels: {}, groups: {}, uuids: {} },
  meta: { n: 1.5 },
  authorizedUuid: 'A',
};

describe('pam/token and grant requests', function () {
  it('issues a base64url token that reads back only under the same secret', function () {
    const token = issueToken(grant, SECRET);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    const read = readToken(token, SECRET);
    assert.ok(read.ok);
    assert.deepEqual(read.grant, grant);
    assert.deepEqual(readToken(token, 'other'), { ok: false, reason: 'signature' });
    assert.deepEqual(readToken('not a token', SECRET), { ok: false, reason: 'malformed' });
    assert.deepEqual(readToken('p0F2AkF0', SECRET), { ok: false, reason: 'malformed' });
  });

  it('expires ttl minutes after its timestamp', function () {
    const issuedMs = grant.timestampSec * 1000;
    assert.equal(isExpired(grant, issuedMs + 10 * 60_000 - 1), false);
    assert.equal(isExpired(grant, issuedMs + 10 * 60_000), true);
  });

  it('accepts the SDK’s grant body and reports every problem of a bad one', function () {
    const body = JSON.stringify({
      ttl: 5,
      permissions: {
        resources: { channels: { c: 1 }, groups: {}, uuids: {}, users: {}, spaces: {} },
        patterns: { channels: {}, groups: {}, uuids: {}, users: {}, spaces: {} },
        meta: {},
        uuid: 'A',
      },
    });
    const parsed = parseGrantRequest(body, 1_700_000_000_999);
    assert.ok(parsed.ok);
    assert.equal(parsed.grant.timestampSec, 1_700_000_000);
    assert.equal(parsed.grant.authorizedUuid, 'A');

    const bad = parseGrantRequest(
      JSON.stringify({
        ttl: 0,
        permissions: { resources: { channels: { c: 300 } }, patterns: { channels: { '(': 1 } } },
      }),
      0,
    );
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.problems.map((p) => p.location),
      ['ttl', 'permissions.resources.channels.c', 'permissions.patterns.channels.('],
    );
    assert.deepEqual(parseGrantRequest('{"ttl":5,"permissions":{}}', 0), {
      ok: false,
      problems: [{ message: 'grants nothing', location: 'permissions' }],
    });
  });
});
