/**
 * Which subscription name a published channel reaches a subscriber under.
 *
 * PubNub wildcards are `prefix.*` (a period then `*`, at the end only) and
 * match every channel under that prefix; `prefix.*-pnpres` is their presence
 * twin. The name matched becomes the envelope's `b`, which the SDK uses to
 * route the event to the right listener and drops the event without.
 */
const PRESENCE_SUFFIX = '-pnpres';
const WILDCARD = '.*';

export function isPresenceChannel(channel: string): boolean {
  return channel.endsWith(PRESENCE_SUFFIX);
}

export function isWildcard(name: string): boolean {
  return name.endsWith(WILDCARD) || name.endsWith(WILDCARD + PRESENCE_SUFFIX);
}

export function presenceChannelOf(channel: string): string {
  return channel + PRESENCE_SUFFIX;
}

/** True when the wildcard `pattern` covers `channel`; plain names never match here. */
export function wildcardMatches(pattern: string, channel: string): boolean {
  if (pattern.endsWith(WILDCARD + PRESENCE_SUFFIX)) {
    const prefix = pattern.slice(0, -('*' + PRESENCE_SUFFIX).length);
    return (
      isPresenceChannel(channel) &&
      channel.length > prefix.length + PRESENCE_SUFFIX.length &&
      channel.startsWith(prefix)
    );
  }
  if (pattern.endsWith(WILDCARD)) {
    const prefix = pattern.slice(0, -1);
    return !isPresenceChannel(channel) && channel.length > prefix.length && channel.startsWith(prefix);
  }
  return false;
}

export interface SubscriptionSpec {
  /** Channel names as subscribed: plain, `-pnpres`, or wildcard patterns. */
  channels: readonly string[];
  /**
   * Subscribed channel-group name → channels of that group at request time.
   * For a `<group>-pnpres` entry the members are the base group's channels.
   */
  groups: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Returns the name `channel` is delivered under, or undefined when the subscription does not cover it. */
export type ChannelMatcher = (channel: string) => string | undefined;

export function createChannelMatcher(spec: SubscriptionSpec): ChannelMatcher {
  const exact = new Set<string>();
  const patterns: string[] = [];
  for (const name of spec.channels) {
    if (isWildcard(name)) patterns.push(name);
    else exact.add(name);
  }
  return (channel) => {
    if (exact.has(channel)) return channel;
    for (const pattern of patterns) {
      if (wildcardMatches(pattern, channel)) return pattern;
    }
    const presence = isPresenceChannel(channel);
    const base = presence ? channel.slice(0, -PRESENCE_SUFFIX.length) : channel;
    for (const [group, members] of spec.groups) {
      if (isPresenceChannel(group) === presence && members.has(base)) return group;
    }
    return undefined;
  };
}
