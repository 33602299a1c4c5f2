import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/errors.ts';
import { loadConfig, databaseUrlField, withDatabaseCaFile } from '../src/index.ts';
import { databaseTlsProblem, pgConnectionConfig } from '../src/db/databaseTls.ts';

const base = 'postgres://app:s3cret-pw@db.internal:5432/sketchyaf';
const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('database TLS settings', () => {
  it('leaves a URL without TLS parameters as it is, plaintext (PGSSLMODE cannot change it)', () => {
    assert.deepEqual(pgConnectionConfig(base), { connectionString: base, ssl: false });
  });

  it('verify-full: strips sslmode and sslrootcert from the URL and passes the CA read from the file', () => {
    const read: string[] = [];
    const config = pgConnectionConfig(`${base}?sslmode=verify-full&sslrootcert=/etc/ca/ca.crt`, (path) => {
      read.push(path);
      return pem;
    });
    assert.deepEqual(read, ['/etc/ca/ca.crt']);
    assert.equal(config.connectionString, base);
    assert.deepEqual(config.ssl, { ca: pem });
  });

  it('verify-ca and require with a CA skip only the host name check; require without a CA skips verification', () => {
    for (const mode of ['verify-ca', 'require']) {
      const { ssl } = pgConnectionConfig(`${base}?sslmode=${mode}&sslrootcert=/ca.crt`, () => pem);
      assert.ok(ssl !== false);
      assert.equal(ssl.ca, pem);
      assert.equal(ssl.rejectUnauthorized, undefined);
      assert.equal(ssl.checkServerIdentity?.('db.internal', {} as never), undefined);
    }
    assert.deepEqual(pgConnectionConfig(`${base}?sslmode=require`).ssl, { rejectUnauthorized: false });
    assert.equal(pgConnectionConfig(`${base}?sslmode=disable`).ssl, false);
  });

  it('names the CA file, never the URL, when it cannot be read or holds no certificate', () => {
    const url = `${base}?sslmode=verify-full&sslrootcert=/nowhere/ca.crt`;
    assert.throws(
      () => pgConnectionConfig(url),
      (err: Error) => {
        assert.match(err.message, /database CA file \/nowhere\/ca\.crt cannot be read \(ENOENT\)/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
    const notPem = join(mkdtempSync(join(tmpdir(), 'sketchyaf-ca-')), 'ca.crt');
    writeFileSync(notPem, 'not a certificate');
    assert.throws(
      () => pgConnectionConfig(`${base}?sslmode=verify-full&sslrootcert=${notPem}`),
      /holds no PEM certificate/,
    );
  });

  it('refuses modes and parameters it cannot honour, with a reason', () => {
    assert.match(
      databaseTlsProblem(`${base}?sslmode=prefer`) ?? '',
      /sslmode must be one of disable, require/,
    );
    assert.match(databaseTlsProblem(`${base}?ssl=true`) ?? '', /parameter ssl is not supported/);
    assert.match(databaseTlsProblem(`${base}?sslmode=require&sslcert=/c`) ?? '', /client certificates/);
    assert.match(databaseTlsProblem(`${base}?sslmode=verify-ca`) ?? '', /needs a CA/);
    assert.match(databaseTlsProblem(`${base}?sslrootcert=/ca.crt`) ?? '', /needs sslmode/);
    assert.match(databaseTlsProblem(`${base}?sslmode=verify-full&sslrootcert=ca.crt`) ?? '', /absolute path/);
    assert.equal(databaseTlsProblem(`${base}?sslmode=verify-full`), undefined);
  });

  it('reports a bad sslmode in DATABASE_URL as a config problem without the password', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: `${base}?sslmode=prefer` }, { DATABASE_URL: databaseUrlField }),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 1);
        assert.match(err.problems[0] ?? '', /^DATABASE_URL: sslmode must be one of/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
  });

  it('folds DATABASE_CA_FILE into the URL, and refuses it without a TLS sslmode or against another sslrootcert', () => {
    const url = withDatabaseCaFile(`${base}?sslmode=verify-full`, '/etc/ca/ca.crt');
    assert.equal(new URL(url).searchParams.get('sslrootcert'), '/etc/ca/ca.crt');
    assert.equal(withDatabaseCaFile(base, undefined), base);
    assert.throws(() => withDatabaseCaFile(base, '/etc/ca/ca.crt'), ConfigError);
    assert.throws(
      () => withDatabaseCaFile(`${base}?sslmode=verify-full&sslrootcert=/other.crt`, '/etc/ca/ca.crt'),
      (err: ConfigError) =>
        err.problems[0]?.startsWith('DATABASE_CA_FILE:') === true && !err.message.includes('s3cret'),
    );
  });
});
