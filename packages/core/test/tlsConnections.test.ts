import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPrivateCa,
  findPostgresBinaries,
  freePort,
  startThrowawayPostgres,
  waitFor,
  type EmbeddedPostgres,
  type PrivateCa,
} from '@sketchyaf/testkit';
import {
  createPool,
  createSilentLogger,
  migrateUp,
  NotificationListener,
  withDatabaseCaFile,
} from '../src/index.ts';

/** TLS with a private CA against a real PostgreSQL (ssl=on); Redis: packages/leases/test/redisTlsConnections.test.ts. */
describe('TLS to PostgreSQL with a private CA', function () {
  this.timeout(90_000);
  const logger = createSilentLogger();
  let dir: string;
  let ca: PrivateCa;
  let wrongCa: PrivateCa;
  let postgres: EmbeddedPostgres;

  /** The server's URL on `host`, with extra query parameters. */
  const pgUrl = (host: string, query: string, database = 'sketchyaf'): string =>
    `postgres://postgres@${host}:${postgres.port}/${database}?${query}`;

  async function sslOf(url: string): Promise<boolean> {
    const pool = createPool({ connectionString: url, applicationName: 'tls-test', max: 1, logger });
    try {
      const result = await pool.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return result.rows[0]?.ssl ?? false;
    } finally {
      await pool.end();
    }
  }

  /** The Node.js error code a connection attempt fails with. */
  async function failureOf(url: string): Promise<string> {
    const error = await sslOf(url).then(
      () => assert.fail('connected'),
      (err: unknown) => err as NodeJS.ErrnoException,
    );
    return error.code ?? error.message;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sketchyaf-tls-'));
    await chmod(dir, 0o755); // PostgreSQL runs as its own user and reads its certificate here
    const bin = await findPostgresBinaries();
    ca = await createPrivateCa(join(dir, 'ca'), 'SketchyAF test CA');
    wrongCa = await createPrivateCa(join(dir, 'wrong'), 'Someone else');
    // The certificate names 127.0.0.1 only: `localhost` reaches the same server under a name it does not carry.
    const pgCert = await ca.issue('postgres', ['127.0.0.1'], bin.runAs);
    postgres = await startThrowawayPostgres({
      dataDir: join(dir, 'pgdata'),
      port: await freePort(),
      database: 'sketchyaf',
      settings: { ssl: 'on', ssl_cert_file: pgCert.certFile, ssl_key_file: pgCert.keyFile, fsync: 'off' },
    });
  });

  after(async () => {
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('PostgreSQL', () => {
    it('connects with sslmode=verify-full and the private CA (sslrootcert), encrypted', async () => {
      assert.equal(await sslOf(pgUrl('127.0.0.1', `sslmode=verify-full&sslrootcert=${ca.caFile}`)), true);
    });

    it('connects with DATABASE_CA_FILE folded into the URL, and LISTEN works over it', async () => {
      const url = withDatabaseCaFile(pgUrl('127.0.0.1', 'sslmode=verify-full'), ca.caFile);
      assert.equal(await sslOf(url), true);
      const received: (string | undefined)[] = [];
      const listener = new NotificationListener({
        connectionString: url,
        channel: 'tls_test',
        applicationName: 'tls-test-listen',
        logger,
        onNotification: (payload) => received.push(payload),
        onConnected: () => undefined,
      });
      listener.start();
      try {
        await waitFor('the LISTEN connection', () => (listener.connected ? true : undefined), {
          timeoutMs: 10_000,
        });
        const pool = createPool({ connectionString: url, applicationName: 'tls-test', max: 1, logger });
        await pool.query(`SELECT pg_notify('tls_test', 'over tls')`);
        await pool.end();
        await waitFor('the notification', () => (received.length > 0 ? true : undefined), {
          timeoutMs: 10_000,
        });
        assert.deepEqual(received, ['over tls']);
      } finally {
        await listener.stop();
      }
    });

    it('applies migrations over verify-full', async () => {
      const admin = createPool({
        connectionString: postgres.url('postgres'),
        applicationName: 'tls-test',
        logger,
      });
      await admin.query('CREATE DATABASE migrated_over_tls');
      await admin.end();
      const applied = await migrateUp({
        databaseUrl: pgUrl('127.0.0.1', `sslmode=verify-full&sslrootcert=${ca.caFile}`, 'migrated_over_tls'),
      });
      assert.ok(applied.length > 0, 'no migration applied');
    });

    it('refuses a server whose certificate another CA signed', async () => {
      const code = await failureOf(pgUrl('127.0.0.1', `sslmode=verify-full&sslrootcert=${wrongCa.caFile}`));
      assert.match(
        code,
        /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
    });

    it('refuses a host name the certificate does not carry (verify-full), accepts it with verify-ca', async () => {
      const code = await failureOf(pgUrl('localhost', `sslmode=verify-full&sslrootcert=${ca.caFile}`));
      assert.equal(code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.equal(await sslOf(pgUrl('localhost', `sslmode=verify-ca&sslrootcert=${ca.caFile}`)), true);
    });

    it('verify-full without a CA file trusts only public roots, so the private CA is refused', async () => {
      const code = await failureOf(pgUrl('127.0.0.1', 'sslmode=verify-full'));
      assert.match(
        code,
        /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
    });

    it('require encrypts without checking; require with a CA checks it (as libpq does)', async () => {
      assert.equal(await sslOf(pgUrl('localhost', 'sslmode=require')), true);
      const code = await failureOf(pgUrl('127.0.0.1', `sslmode=require&sslrootcert=${wrongCa.caFile}`));
      assert.match(
        code,
        /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
    });

    it('without sslmode the connection stays plaintext, as before', async () => {
      assert.equal(await sslOf(postgres.url()), false);
    });
  });
});
