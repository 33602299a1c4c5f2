/**
 * Validates the body of `POST /v3/pam/{sub}/grant` as the SDK's grantToken
 * sends it: `{ttl, permissions: {resources, patterns, meta, uuid?}}`, each of
 * resources and patterns holding `channels`, `groups`, `uuids` (name → bits;
 * `users` and `spaces` are the SDK's empty legacy fields).
 */
import type { CborMap, CborValue } from './cbor.ts';
import { patternRegExp } from './permissions.ts';
import type { Grant, PermissionSet } from './token.ts';

// PubNub's bounds: 1 minute to 30 days.
export const MAX_TTL_MINUTES = 43_200;

export interface GrantProblem {
  message: string;
  location: string;
}

export type GrantRequestResult = { ok: true; grant: Grant } | { ok: false; problems: GrantProblem[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCborValue(value: unknown): value is CborValue {
  if (value === null || ['string', 'boolean'].includes(typeof value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isCborValue);
  return isObject(value) && Object.values(value).every(isCborValue);
}

function permissionSet(
  value: unknown,
  location: string,
  problems: GrantProblem[],
  isPattern: boolean,
): PermissionSet {
  const set: {
    channels: Record<string, number>;
    groups: Record<string, number>;
    uuids: Record<string, number>;
  } = {
    channels: {},
    groups: {},
    uuids: {},
  };
  if (value === undefined) return set;
  if (!isObject(value)) {
    problems.push({ message: 'must be an object', location });
    return set;
  }
  for (const kind of ['channels', 'groups', 'uuids'] as const) {
    const entries = value[kind];
    if (entries === undefined) continue;
    if (!isObject(entries)) {
      problems.push({ message: 'must be an object', location: `${location}.${kind}` });
      continue;
    }
    for (const [name, bits] of Object.entries(entries)) {
      if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 255)
        problems.push({
          message: 'permissions must be a bitmask from 0 to 255',
          location: `${location}.${kind}.${name}`,
        });
      else if (name === '')
        problems.push({ message: 'name must not be empty', location: `${location}.${kind}` });
      else if (isPattern && patternRegExp(name) === null)
        problems.push({ message: 'not a valid regular expression', location: `${location}.${kind}.${name}` });
      else set[kind][name] = bits;
    }
  }
  return set;
}

function isEmpty(set: PermissionSet): boolean {
  return [set.channels, set.groups, set.uuids].every((names) => Object.keys(names).length === 0);
}

export function parseGrantRequest(text: string, nowMs: number): GrantRequestResult {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problems: [{ message: 'body is not JSON', location: 'body' }] };
  }
  if (!isObject(body))
    return { ok: false, problems: [{ message: 'body must be a JSON object', location: 'body' }] };
  const problems: GrantProblem[] = [];
  const { ttl, permissions } = body;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MINUTES)
    problems.push({
      message: `ttl must be a whole number of minutes from 1 to ${MAX_TTL_MINUTES}`,
      location: 'ttl',
    });
  if (!isObject(permissions)) {
    problems.push({ message: 'must be an object', location: 'permissions' });
    return { ok: false, problems };
  }
  const resources = permissionSet(permissions.resources, 'permissions.resources', problems, false);
  const patterns = permissionSet(permissions.patterns, 'permissions.patterns', problems, true);
  if (problems.length === 0 && isEmpty(resources) && isEmpty(patterns))
    problems.push({ message: 'grants nothing', location: 'permissions' });
  const { uuid, meta } = permissions;
  if (uuid !== undefined && (typeof uuid !== 'string' || uuid === ''))
    problems.push({ message: 'must be a non-empty string', location: 'permissions.uuid' });
  if (meta !== undefined && (!isObject(meta) || !isCborValue(meta)))
    problems.push({ message: 'must be an object of JSON values', location: 'permissions.meta' });
  if (problems.length > 0 || typeof ttl !== 'number') return { ok: false, problems };
  return {
    ok: true,
    grant: {
      timestampSec: Math.floor(nowMs / 1000),
      ttlMinutes: ttl,
      resources,
      patterns,
      meta: isObject(meta) ? (meta as CborMap) : {},
      ...(typeof uuid === 'string' ? { authorizedUuid: uuid } : {}),
    },
  };
}
