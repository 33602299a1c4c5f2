/**
 * Message Persistence, in memory and bounded: each channel keeps its newest
 * `limitPerChannel` messages, and the store keeps at most `maxChannels`
 * channels (the least recently published one goes first). `ttl` hours from
 * the publish are honoured; 0 or absent keeps a message until it is pushed out.
 */
export interface StoredMessage {
  tt: bigint;
  message: unknown;
  uuid: string;
  meta?: unknown;
  customMessageType?: string;
  /** Epoch ms after which the message is gone; undefined = no ttl. */
  expiresAtMs?: number;
}

export interface MessageStoreOptions {
  limitPerChannel: number;
  maxChannels: number;
  nowMs: () => number;
}

/**
 * `start` is exclusive and `end` inclusive, as in PubNub's fetch: messages
 * with end ≤ tt < start. When more match than `max`, the newest are returned
 * (paging backwards with `start` = oldest returned token walks the rest).
 */
export interface FetchRange {
  start?: bigint;
  end?: bigint;
  max: number;
}

export interface MessageStore {
  add(channel: string, message: StoredMessage): void;
  fetch(channel: string, range: FetchRange): { messages: StoredMessage[]; more: boolean };
  /** Deletes start < tt ≤ end (PubNub's delete range: to drop one message pass its tt as end and tt-1 as start). */
  delete(channel: string, range: { start?: bigint; end?: bigint }): number;
  /** Messages with tt > `after`. */
  countAfter(channel: string, after: bigint): number;
  channelCount(): number;
  clear(): void;
}

export function createMessageStore(options: MessageStoreOptions): MessageStore {
  const channels = new Map<string, StoredMessage[]>();

  function live(channel: string): StoredMessage[] {
    const messages = channels.get(channel);
    if (!messages) return [];
    const now = options.nowMs();
    const kept = messages.filter((m) => m.expiresAtMs === undefined || m.expiresAtMs > now);
    if (kept.length !== messages.length) channels.set(channel, kept);
    return kept;
  }

  return {
    add(channel, message) {
      const messages = channels.get(channel) ?? [];
      channels.delete(channel);
      channels.set(channel, messages);
      messages.push(message);
      if (messages.length > options.limitPerChannel)
        messages.splice(0, messages.length - options.limitPerChannel);
      if (channels.size > options.maxChannels) {
        const oldest = channels.keys().next();
        if (!oldest.done) channels.delete(oldest.value);
      }
    },

    fetch(channel, range) {
      const inRange = live(channel).filter(
        (m) =>
          (range.start === undefined || m.tt < range.start) && (range.end === undefined || m.tt >= range.end),
      );
      const max = Math.max(0, range.max);
      return { messages: inRange.slice(Math.max(0, inRange.length - max)), more: inRange.length > max };
    },

    delete(channel, range) {
      const messages = live(channel);
      const kept = messages.filter(
        (m) =>
          !(
            (range.start === undefined || m.tt > range.start) &&
            (range.end === undefined || m.tt <= range.end)
          ),
      );
      if (messages.length > 0) channels.set(channel, kept);
      return messages.length - kept.length;
    },

    countAfter(channel, after) {
      return live(channel).filter((m) => m.tt > after).length;
    },

    channelCount() {
      return channels.size;
    },

    clear() {
      channels.clear();
    },
  };
}
