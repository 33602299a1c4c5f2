import { strict as assert } from 'node:assert';
import { redisCaFileOf, redisTlsOptions } from '../src/redisTls.ts';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Redis TLS settings', () => {
  it('passes the private CA to rediss:// nodes only', () => {
    assert.deepEqual(redisTlsOptions('rediss://redis:6380', pem), { ca: pem });
    assert.equal(redisTlsOptions('redis://redis:6379', pem), undefined);
    assert.equal(redisTlsOptions('rediss://redis:6380', undefined), undefined);
  });

  it('refuses REDIS_CA_FILE when no node uses rediss://', () => {
    assert.equal(redisCaFileOf(['rediss://a:6380', 'redis://b:6379'], '/ca.crt'), '/ca.crt');
    assert.equal(redisCaFileOf(undefined, undefined), null);
    assert.throws(
      () => redisCaFileOf(['redis://a:6379'], '/ca.crt'),
      /REDIS_CA_FILE: set, but no REDIS_URL node uses rediss/,
    );
  });
});
