import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import {
  computeSignature,
  encodeString,
  parseRawQuery,
  signatureInput,
  verifySignature,
} from '../src/pam/signature.ts';

const SECRET = 'sec-c-test';

describe('pam/signature', function () {
  it('builds the SDK’s input: method, key, raw path, sorted re-encoded query without signature, POST body', function () {
    const input = signatureInput(
      {
        method: 'POST',
        rawPath: '/v3/pam/sub-c/grant',
        query: [
          ['uuid', 'a b'],
          ['timestamp', '17'],
          ['signature', 'v2.x'],
          ['pnsdk', "Node(1)!*~'"],
        ],
        body: '{"ttl":1}',
      },
      'pub-c',
    );
    assert.equal(
      input,
      'POST\npub-c\n/v3/pam/sub-c/grant\npnsdk=Node%281%29%21%2A%7E%27&timestamp=17&uuid=a%20b\n{"ttl":1}',
    );
  });

  it('signs publish as GET, without a body', function () {
    const request = {
      method: 'POST',
      rawPath: '/publish/p/s/0/c/0',
      query: [['uuid', 'u']] as const,
      body: '"m"',
    };
    assert.equal(signatureInput(request, 'p'), 'GET\np\n/publish/p/s/0/c/0\nuuid=u\n');
    const expected = `v2.${createHmac('sha256', SECRET).update('GET\np\n/publish/p/s/0/c/0\nuuid=u\n').digest('base64url')}`;
    assert.equal(computeSignature(request, 'p', SECRET), expected);
    assert.ok(verifySignature(request, expected, ['other', 'p'], SECRET));
    assert.ok(!verifySignature(request, expected, ['other'], SECRET));
    assert.ok(!verifySignature(request, expected, ['p'], 'another-secret'));
    assert.ok(!verifySignature({ ...request, query: [['uuid', 'v']] }, expected, ['p'], SECRET));
  });

  it('decodes a raw query keeping + and refusing bad escapes', function () {
    assert.deepEqual(parseRawQuery('a=1+2&b=%20&&c'), [
      ['a', '1+2'],
      ['b', ' '],
      ['c', ''],
    ]);
    assert.equal(parseRawQuery('a=%zz'), undefined);
    assert.equal(encodeString("!~*'() ,"), '%21%7E%2A%27%28%29%20%2C');
  });
});
