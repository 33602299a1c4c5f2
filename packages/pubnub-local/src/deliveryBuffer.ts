import type { ChannelMatcher } from './channelMatch.ts';
import type { Envelope } from './envelope.ts';

/**
 * The short per-channel queue that subscribe long-polls read from. Like
 * PubNub's, it keeps the last N events of each channel for a limited time, so
 * a subscriber that re-polls with an older `tt` catches up on what it missed,
 * and one that falls further behind loses the oldest events.
 */
export interface DeliveryBufferOptions {
  perChannel: number;
  maxAgeMs: number;
  maxChannels: number;
  nowMs: () => number;
}

interface Entry {
  tt: bigint;
  atMs: number;
  envelope: Envelope;
}

export interface DeliveryBuffer {
  append(tt: bigint, envelope: Envelope): void;
  /** Events after `after` on channels the matcher covers, oldest first, at most `limit`, with `b` filled in. */
  collect(matcher: ChannelMatcher, after: bigint, limit: number): { tt: bigint; envelope: Envelope }[];
  clear(): void;
}

export function createDeliveryBuffer(options: DeliveryBufferOptions): DeliveryBuffer {
  // Map iteration order doubles as recency: a channel is moved to the end on
  // every append, so the first key is the one to evict.
  const channels = new Map<string, Entry[]>();

  function dropExpired(entries: Entry[], now: number): void {
    let expired = 0;
    while (expired < entries.length && (entries[expired]?.atMs ?? now) <= now - options.maxAgeMs) expired++;
    if (expired > 0) entries.splice(0, expired);
  }

  return {
    append(tt, envelope) {
      const channel = envelope.c;
      const entries = channels.get(channel) ?? [];
      channels.delete(channel);
      channels.set(channel, entries);
      entries.push({ tt, atMs: options.nowMs(), envelope });
      if (entries.length > options.perChannel) entries.splice(0, entries.length - options.perChannel);
      if (channels.size > options.maxChannels) {
        const oldest = channels.keys().next();
        if (!oldest.done) channels.delete(oldest.value);
      }
    },

    collect(matcher, after, limit) {
      const now = options.nowMs();
      const found: { tt: bigint; envelope: Envelope }[] = [];
      for (const [channel, entries] of channels) {
        const subscribedAs = matcher(channel);
        if (subscribedAs === undefined) continue;
        dropExpired(entries, now);
        for (const entry of entries) {
          if (entry.tt <= after) continue;
          const envelope = subscribedAs === channel ? entry.envelope : { ...entry.envelope, b: subscribedAs };
          found.push({ tt: entry.tt, envelope });
        }
      }
      found.sort((x, y) => (x.tt < y.tt ? -1 : x.tt > y.tt ? 1 : 0));
      return found.slice(0, limit);
    },

    clear() {
      channels.clear();
    },
  };
}
