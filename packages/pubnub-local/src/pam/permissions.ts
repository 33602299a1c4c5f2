/**
 * Which permissions a PubNub request needs, and whether a token grants them.
 * Pure: no I/O, no clock.
 */
import { splitNames } from '../http/target.ts';
import { DELETE, MANAGE, READ, WRITE, type Grant, type PermissionSet } from './token.ts';

export interface Needed {
  name: string;
  bit: number;
}

export type Requirement =
  /** Anyone may call it (`/time`). */
  | { kind: 'open' }
  /** Only a request signed with the secret key. */
  | { kind: 'signed' }
  /** A token granting every listed permission. */
  | { kind: 'token'; channels: Needed[]; groups: Needed[] };

export type AccessDecision = { allowed: true } | { allowed: false; channels: string[]; groups: string[] };

function token(
  channels: readonly string[],
  channelBit: number,
  groups: readonly string[] = [],
  groupBit = READ,
): Requirement {
  return {
    kind: 'token',
    channels: channels.map((name) => ({ name, bit: channelBit })),
    groups: groups.map((name) => ({ name, bit: groupBit })),
  };
}

/** Maps a routed request (decoded segments) to what it needs. */
export function requiredAccess(
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
): Requirement {
  const [first, second, third] = segments;
  const groups = splitNames(query.get('channel-group'));
  if (first === 'time') return { kind: 'open' };
  if (first === 'publish' || first === 'signal') return token([segments[4] ?? ''], WRITE);
  if (first === 'v2' && second === 'subscribe') return token(splitNames(segments[3]), READ, groups);
  if (first === 'v2' && second === 'presence' && third === 'sub-key' && segments[4] === 'channel')
    return token(splitNames(segments[5]), READ, groups);
  if (first === 'v3' && (second === 'history' || second === 'history-with-actions'))
    return token(splitNames(segments[5]), method === 'DELETE' ? DELETE : READ);
  if (first === 'v1' && second === 'channel-registration' && segments[4] === 'channel-group')
    return token([], READ, segments[5] === undefined ? [] : [segments[5]], MANAGE);
  // Global here_now, where_now and anything unknown: server side only.
  return { kind: 'signed' };
}

const compiled = new Map<string, RegExp | null>();

/** A grant pattern as a whole-name regular expression; null when it does not compile. */
export function patternRegExp(pattern: string): RegExp | null {
  let regexp = compiled.get(pattern);
  if (regexp === undefined) {
    try {
      regexp = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      regexp = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regexp);
  }
  return regexp;
}

/**
 * A name is covered by its own resource entry or by any pattern matching the
 * whole name, taken literally: a wildcard subscribe `game.*` needs a pattern
 * such as `game\..*` (which matches the text `game.*`).
 */
function grants(
  resources: Readonly<Record<string, number>>,
  patterns: Readonly<Record<string, number>>,
  need: Needed,
): boolean {
  const own = Object.hasOwn(resources, need.name) ? resources[need.name] : undefined;
  if (own !== undefined && (own & need.bit) === need.bit) return true;
  return Object.entries(patterns).some(
    ([pattern, mask]) => (mask & need.bit) === need.bit && patternRegExp(pattern)?.test(need.name) === true,
  );
}

function denied(
  needs: readonly Needed[],
  resources: PermissionSet,
  patterns: PermissionSet,
  kind: 'channels' | 'groups',
): string[] {
  return needs.filter((need) => !grants(resources[kind], patterns[kind], need)).map((need) => need.name);
}

/** Checks a valid, unexpired token against a request; `uuid` is the request's `uuid` parameter. */
export function decideAccess(
  grant: Grant,
  requirement: Extract<Requirement, { kind: 'token' }>,
  uuid: string | null,
): AccessDecision {
  const all = {
    channels: requirement.channels.map((n) => n.name),
    groups: requirement.groups.map((n) => n.name),
  };
  // A token bound to a uuid is refused for every other uuid, whatever it grants.
  if (grant.authorizedUuid !== undefined && uuid !== grant.authorizedUuid) return { allowed: false, ...all };
  const channels = denied(requirement.channels, grant.resources, grant.patterns, 'channels');
  const groups = denied(requirement.groups, grant.resources, grant.patterns, 'groups');
  return channels.length === 0 && groups.length === 0
    ? { allowed: true }
    : { allowed: false, channels, groups };
}
