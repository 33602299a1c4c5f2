import type { ConnectionOptions } from 'node:tls';
import { readCaFile } from '../config/caFile.ts';
import { ConfigError } from '../errors.ts';

/**
 * libpq's `sslmode` values that node-postgres can honour. `allow` and
 * `prefer` are missing on purpose: node-postgres cannot fall back from TLS to
 * plaintext (or back), so accepting them would silently mean something else.
 */
export const databaseSslModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseSslMode = (typeof databaseSslModes)[number];

/**
 * TLS parameters of the URL that this module interprets. They are removed from
 * the connection string handed to node-postgres, because pg-connection-string
 * gives them meanings of its own that override an explicit `ssl` option: it
 * treats `require` and `verify-ca` as `verify-full`, and rebuilds `ssl` from the
 * URL on every connection, so a `ca` passed beside the URL is dropped.
 */
const interpreted = ['sslmode', 'sslrootcert'] as const;
/** Parameters pg-connection-string understands that we refuse rather than half-support. */
const refused: Readonly<Record<string, string>> = {
  ssl: 'use sslmode=require, verify-ca or verify-full instead of ssl=',
  sslcert: 'client certificates are not supported',
  sslkey: 'client certificates are not supported',
  sslpassword: 'client certificates are not supported',
  uselibpqcompat: 'not needed: sslmode already follows libpq',
  sslnegotiation: 'not supported',
};

function isSslMode(value: string): value is DatabaseSslMode {
  return (databaseSslModes as readonly string[]).includes(value);
}

function searchParams(url: string): URLSearchParams | undefined {
  try {
    return new URL(url).searchParams;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a database URL's TLS parameters, or undefined. The text
 * names parameters and allowed values, never the URL (it may hold a password).
 */
export function databaseTlsProblem(url: string): string | undefined {
  const params = searchParams(url);
  if (!params) return undefined; // not a URL: the URL check reports it
  for (const name of params.keys()) {
    const why = refused[name];
    if (why !== undefined) return `parameter ${name} is not supported (${why})`;
  }
  const mode = params.get('sslmode');
  if (mode !== null && !isSslMode(mode))
    return `sslmode must be one of ${databaseSslModes.join(', ')} (node-postgres cannot fall back between TLS and plaintext)`;
  const rootCert = params.get('sslrootcert');
  if (rootCert !== null) {
    if (mode === null || mode === 'disable')
      return 'sslrootcert needs sslmode=verify-full, verify-ca or require';
    if (!rootCert.startsWith('/')) return 'sslrootcert must be an absolute path';
  }
  if (mode === 'verify-ca' && rootCert === null)
    return 'sslmode=verify-ca needs a CA: sslrootcert=<file> or DATABASE_CA_FILE';
  return undefined;
}

/**
 * The URL with `caFile` as its `sslrootcert`, so that the CA travels with the
 * URL to every connection a service opens (pool, LISTEN, leases, migrations).
 * Throws a ConfigError naming the variables, never the URL, when they contradict.
 */
export function withDatabaseCaFile(url: string, caFile: string | undefined): string {
  if (caFile === undefined) return url;
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode');
  if (mode === null || mode === 'disable')
    throw new ConfigError([
      'DATABASE_CA_FILE: set, but DATABASE_URL has no sslmode=verify-full, verify-ca or require',
    ]);
  const existing = parsed.searchParams.get('sslrootcert');
  if (existing !== null && existing !== caFile)
    throw new ConfigError(['DATABASE_CA_FILE: DATABASE_URL names a different sslrootcert; set one of them']);
  parsed.searchParams.set('sslrootcert', caFile);
  return parsed.toString();
}

export interface PgConnectionConfig {
  /** The URL without the TLS parameters interpreted here. */
  connectionString: string;
  /** Always explicit, so PGSSLMODE in the environment cannot change it behind the config's back. */
  ssl: false | ConnectionOptions;
}

/** `sslmode` to node's TLS options, with libpq's meaning (`require` with a CA verifies it, as in libpq). */
export function pgSslOptions(
  mode: DatabaseSslMode | undefined,
  ca: string | undefined,
): false | ConnectionOptions {
  const withCa = ca === undefined ? {} : { ca };
  switch (mode) {
    case undefined:
    case 'disable':
      return false;
    case 'require':
      if (ca === undefined) return { rejectUnauthorized: false };
      return { ...withCa, checkServerIdentity: () => undefined };
    case 'verify-ca':
      if (ca === undefined) throw new Error('sslmode=verify-ca needs a CA (sslrootcert or DATABASE_CA_FILE)');
      return { ca, checkServerIdentity: () => undefined };
    case 'verify-full':
      // Without a CA file, node's bundled public roots (a managed database with a public certificate).
      return { ...withCa };
  }
}

/**
 * The node-postgres settings for a database URL: its TLS parameters read with
 * libpq's meaning and the CA file read now, so a rotated bundle is picked up
 * by the next connection that is opened. Errors name the file, never the URL.
 */
export function pgConnectionConfig(
  url: string,
  readCa: (path: string) => string = (path) => readCaFile(path, 'database'),
): PgConnectionConfig {
  const problem = databaseTlsProblem(url);
  if (problem !== undefined) throw new Error(`database URL: ${problem}`);
  const params = searchParams(url);
  if (!params || !interpreted.some((name) => params.has(name))) return { connectionString: url, ssl: false };
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode') ?? undefined;
  const caFile = parsed.searchParams.get('sslrootcert') ?? undefined;
  for (const name of interpreted) parsed.searchParams.delete(name);
  const ca = caFile === undefined ? undefined : readCa(caFile);
  return {
    connectionString: parsed.toString(),
    ssl: pgSslOptions(mode as DatabaseSslMode | undefined, ca),
  };
}
