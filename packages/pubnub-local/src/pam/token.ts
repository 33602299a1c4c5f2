/**
 * Access Manager v3 tokens in PubNub's format: a CBOR map
 * `{v, t, ttl, res, pat, meta, uuid?, sig}` in unpadded base64url, which the
 * SDK's `parseToken` reads. `sig` is an HMAC-SHA256, under the secret key, of
 * the same map without `sig`; PubNub does not publish how it signs, and only
 * this server checks it, so tokens are verified without keeping them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CborError, decodeCbor, encodeCbor, isCborMap, type CborMap, type CborValue } from './cbor.ts';

/** Permission bits, as the SDK's grantToken encodes them. */
export const READ = 1;
export const WRITE = 2;
export const MANAGE = 4;
export const DELETE = 8;
export const GET = 32;
export const UPDATE = 64;
export const JOIN = 128;

/** Name (or pattern) → bitmask, per kind of resource. */
export interface PermissionSet {
  channels: Readonly<Record<string, number>>;
  groups: Readonly<Record<string, number>>;
  uuids: Readonly<Record<string, number>>;
}

export interface Grant {
  /** Seconds since the epoch when it was issued. */
  timestampSec: number;
  ttlMinutes: number;
  resources: PermissionSet;
  /** Regular expressions, matched against whole names. */
  patterns: PermissionSet;
  authorizedUuid?: string;
  meta: CborMap;
}

export type ReadTokenResult =
  | { ok: true; grant: Grant; /** Stable id for revocation: the signature in hex. */ id: string }
  | { ok: false; reason: 'malformed' | 'signature' };

const VERSION = 2;
// Far above any real token; refuses decoding work on junk `auth` values.
const MAX_TOKEN_CHARS = 32 * 1024;

function permissionMap(set: PermissionSet): CborMap {
  return { chan: { ...set.channels }, grp: { ...set.groups }, usr: {}, spc: {}, uuid: { ...set.uuids } };
}

function unsignedMap(grant: Grant): CborMap {
  return {
    v: VERSION,
    t: grant.timestampSec,
    ttl: grant.ttlMinutes,
    res: permissionMap(grant.resources),
    pat: permissionMap(grant.patterns),
    meta: grant.meta,
    ...(grant.authorizedUuid !== undefined ? { uuid: grant.authorizedUuid } : {}),
  };
}

function sign(map: CborMap, secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update(encodeCbor(map)).digest();
}

export function issueToken(grant: Grant, secretKey: string): string {
  const map = unsignedMap(grant);
  return encodeCbor({ ...map, sig: sign(map, secretKey) }).toString('base64url');
}

function bits(value: CborValue | undefined): Record<string, number> | undefined {
  if (!isCborMap(value)) return undefined;
  const out: Record<string, number> = {};
  for (const [name, mask] of Object.entries(value)) {
    if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0) return undefined;
    out[name] = mask;
  }
  return out;
}

function permissionSet(value: CborValue | undefined): PermissionSet | undefined {
  if (!isCborMap(value)) return undefined;
  const channels = bits(value.chan);
  const groups = bits(value.grp);
  const uuids = bits(value.uuid ?? {});
  return channels && groups && uuids ? { channels, groups, uuids } : undefined;
}

function grantOf(map: CborMap): Grant | undefined {
  const { v, t, ttl, res, pat, meta, uuid } = map;
  const resources = permissionSet(res);
  const patterns = permissionSet(pat);
  if (v !== VERSION || typeof t !== 'number' || typeof ttl !== 'number' || !resources || !patterns)
    return undefined;
  if (uuid !== undefined && typeof uuid !== 'string') return undefined;
  return {
    timestampSec: t,
    ttlMinutes: ttl,
    resources,
    patterns,
    meta: isCborMap(meta) ? meta : {},
    ...(uuid !== undefined ? { authorizedUuid: uuid } : {}),
  };
}

/** Decodes a token and checks its signature; says why when it cannot. */
export function readToken(token: string, secretKey: string): ReadTokenResult {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token))
    return { ok: false, reason: 'malformed' };
  let decoded: CborValue;
  try {
    decoded = decodeCbor(Buffer.from(token, 'base64url'));
  } catch (error) {
    if (error instanceof CborError) return { ok: false, reason: 'malformed' };
    throw error;
  }
  if (!isCborMap(decoded) || !(decoded.sig instanceof Uint8Array)) return { ok: false, reason: 'malformed' };
  const grant = grantOf(decoded);
  if (!grant) return { ok: false, reason: 'malformed' };
  const expected = sign(unsignedMap(grant), secretKey);
  const actual = Buffer.from(decoded.sig);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    return { ok: false, reason: 'signature' };
  return { ok: true, grant, id: actual.toString('hex') };
}

/** True once `ttl` minutes have passed since `t`. */
export function isExpired(grant: Grant, nowMs: number): boolean {
  return nowMs >= (grant.timestampSec + grant.ttlMinutes * 60) * 1000;
}
