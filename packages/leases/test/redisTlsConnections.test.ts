import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import {
  createPrivateCa,
  freePort,
  startRedisServer,
  waitFor,
  type PrivateCa,
  type RedisServer,
} from '@sketchyaf/testkit';
import { createLeaseRedisClient } from '../src/index.ts';

/** TLS with a private CA against a real redis-server (tls-port); PostgreSQL: packages/core/test/tlsConnections.test.ts. */
describe('TLS to Redis with a private CA', function () {
  this.timeout(90_000);
  let dir: string;
  let ca: PrivateCa;
  let wrongCa: PrivateCa;
  let redis: RedisServer;
  let redisTlsPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-redis-tls-'));
    ca = await createPrivateCa(join(dir, 'ca'), 'SketchyAF test CA');
    wrongCa = await createPrivateCa(join(dir, 'wrong'), 'Someone else');
    const redisCert = await ca.issue('redis', ['127.0.0.1']);
    redisTlsPort = await freePort();
    redis = await startRedisServer({
      port: await freePort(),
      settings: {
        'tls-port': String(redisTlsPort),
        'tls-cert-file': redisCert.certFile,
        'tls-key-file': redisCert.keyFile,
        'tls-ca-cert-file': ca.caFile,
        'tls-auth-clients': 'no',
      },
    });
  });

  after(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('Redis (rediss://)', () => {
    const clients: Redis[] = [];
    afterEach(() => {
      for (const client of clients.splice(0)) client.disconnect();
    });

    function open(url: string, caFile: string, errors: Error[] = []): Redis {
      const client = createLeaseRedisClient(url, {
        connectTimeoutMs: 2000,
        commandTimeoutMs: 2000,
        connectionName: 'tls-test',
        onError: (err) => errors.push(err),
        caFile,
      });
      clients.push(client);
      return client;
    }

    it('answers PING over TLS with the private CA', async () => {
      const client = open(`rediss://127.0.0.1:${redisTlsPort}`, ca.caFile);
      await waitFor('a ready client', () => (client.status === 'ready' ? true : undefined), {
        timeoutMs: 10_000,
      });
      assert.equal(await client.ping(), 'PONG');
    });

    it('refuses a node whose certificate another CA signed', async () => {
      const errors: Error[] = [];
      const client = open(`rediss://127.0.0.1:${redisTlsPort}`, wrongCa.caFile, errors);
      await waitFor('a TLS error', () => (errors.length > 0 ? true : undefined), { timeoutMs: 10_000 });
      assert.notEqual(client.status, 'ready');
      assert.match(
        (errors[0] as NodeJS.ErrnoException).code ?? '',
        /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY/,
      );
    });

    it('refuses a host name the certificate does not carry', async () => {
      const errors: Error[] = [];
      const client = open(`rediss://localhost:${redisTlsPort}`, ca.caFile, errors);
      await waitFor('a TLS error', () => (errors.length > 0 ? true : undefined), { timeoutMs: 10_000 });
      assert.notEqual(client.status, 'ready');
      assert.equal((errors[0] as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });
});
