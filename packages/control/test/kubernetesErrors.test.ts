import { strict as assert } from 'node:assert';
import { describeKubernetesError } from '../src/index.ts';

describe('describeKubernetesError', () => {
  it('names the socket cause fetch hides ("fetch failed" alone does not tell refused from unresolved)', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    });
    assert.equal(describeKubernetesError(refused), 'fetch failed (ECONNREFUSED)');
    const nested = new Error('request failed', {
      cause: new Error('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      }),
    });
    assert.equal(describeKubernetesError(nested), 'request failed (ENOTFOUND)');
    assert.equal(describeKubernetesError(new Error('fetch failed')), 'fetch failed');
  });

  it('keeps the HTTP code and the API message', () => {
    const forbidden = Object.assign(new Error('HTTP-Code: 403'), {
      code: 403,
      body: JSON.stringify({ message: 'realtimecontrols is forbidden' }),
    });
    assert.equal(describeKubernetesError(forbidden), 'HTTP 403: realtimecontrols is forbidden');
  });
});
