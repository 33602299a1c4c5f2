import { presenceChannelOf } from './channelMatch.ts';
import { createDeliveryBuffer, type DeliveryBuffer } from './deliveryBuffer.ts';
import { ENVELOPE_TYPE_SIGNAL, REGION, type Envelope } from './envelope.ts';
import { createMessageStore, type MessageStore } from './messageStore.ts';
import { createPresenceRegistry, type PresenceEvent, type PresenceRegistry } from './presence.ts';
import { countChannel, createStatsRecorder, type StatsRecorder } from './stats.ts';
import { createTimetokenClock, type TimetokenClock } from './timetoken.ts';
import { createWaiterSet, type WaiterSet } from './waiters.ts';

/**
 * The emulator's state and semantics, without HTTP: keysets, publish,
 * delivery to long-polls, presence and history. Routes translate requests
 * into calls on this.
 */
export interface CoreOptions {
  publishKeys: readonly string[];
  subscribeKeys: readonly string[];
  historyLimitPerChannel: number;
  subscribeBufferPerChannel: number;
  subscribeBufferMaxAgeMs: number;
  /** Per keyset, for both the history store and the subscribe buffer. */
  maxChannels: number;
  nowMs: () => number;
}

/** Everything that belongs to one subscribe key. */
export interface Keyset {
  subscribeKey: string;
  buffer: DeliveryBuffer;
  store: MessageStore;
  presence: PresenceRegistry;
  /** Channel groups: name → channels. */
  groups: Map<string, Set<string>>;
  waiters: WaiterSet;
}

export type PublishKind = 'publish' | 'signal' | 'fire';

export interface PublishInput {
  kind: PublishKind;
  channel: string;
  message: unknown;
  publisher: string;
  meta?: unknown;
  customMessageType?: string;
  /** False for `store=0`. Signals and fires are never stored. */
  store: boolean;
  /** Hours; 0 or undefined = no expiry. */
  ttlHours?: number;
}

export interface PubnubCore {
  clock: TimetokenClock;
  stats: StatsRecorder;
  isPublishKey(key: string): boolean;
  /** Undefined for a subscribe key that is not configured. */
  keyset(subscribeKey: string): Keyset | undefined;
  publish(keyset: Keyset, input: PublishInput): bigint;
  expirePresence(): void;
  openLongPolls(): number;
  /** Forgets every message, presence and group; keys stay. */
  reset(): void;
}

export function createPubnubCore(options: CoreOptions): PubnubCore {
  const clock = createTimetokenClock(options.nowMs);
  const stats = createStatsRecorder();
  const publishKeys = new Set(options.publishKeys);
  const keysets = new Map<string, Keyset>();

  function deliver(keyset: Keyset, tt: bigint, envelope: Omit<Envelope, 'a' | 'f' | 'p' | 'k'>): void {
    const full: Envelope = {
      a: '1',
      f: 0,
      ...envelope,
      p: { t: tt.toString(), r: REGION },
      k: keyset.subscribeKey,
    };
    keyset.buffer.append(tt, full);
    keyset.waiters.notify(full.c);
  }

  function onPresence(keyset: Keyset, event: PresenceEvent): void {
    stats.totals.presenceEvents++;
    const d: Record<string, unknown> = {
      action: event.action,
      timestamp: event.timestampSec,
      uuid: event.uuid,
      occupancy: event.occupancy,
    };
    if (event.state !== undefined) d.data = event.state;
    deliver(keyset, clock.next(), { c: presenceChannelOf(event.channel), d });
  }

  function createKeyset(subscribeKey: string): Keyset {
    const keyset: Keyset = {
      subscribeKey,
      buffer: createDeliveryBuffer({
        perChannel: options.subscribeBufferPerChannel,
        maxAgeMs: options.subscribeBufferMaxAgeMs,
        maxChannels: options.maxChannels,
        nowMs: options.nowMs,
      }),
      store: createMessageStore({
        limitPerChannel: options.historyLimitPerChannel,
        maxChannels: options.maxChannels,
        nowMs: options.nowMs,
      }),
      presence: createPresenceRegistry({
        nowMs: options.nowMs,
        onEvent: (event) => {
          onPresence(keyset, event);
        },
      }),
      groups: new Map(),
      waiters: createWaiterSet(),
    };
    return keyset;
  }

  for (const key of options.subscribeKeys) keysets.set(key, createKeyset(key));

  return {
    clock,
    stats,
    isPublishKey: (key) => publishKeys.has(key),
    keyset: (subscribeKey) => keysets.get(subscribeKey),

    publish(keyset, input) {
      const tt = clock.next();
      if (input.kind === 'fire') {
        // Fire goes to PubNub Functions only: neither delivered nor stored.
        stats.totals.fires++;
        return tt;
      }
      const envelope: Omit<Envelope, 'a' | 'f' | 'p' | 'k'> = {
        c: input.channel,
        d: input.message,
        i: input.publisher,
      };
      if (input.meta !== undefined) envelope.u = input.meta;
      if (input.customMessageType !== undefined) envelope.cmt = input.customMessageType;
      if (input.kind === 'signal') {
        envelope.e = ENVELOPE_TYPE_SIGNAL;
        stats.totals.signals++;
        countChannel(stats.signalsPerChannel, input.channel);
      } else {
        stats.totals.published++;
        countChannel(stats.publishedPerChannel, input.channel);
      }
      deliver(keyset, tt, envelope);
      if (input.kind === 'publish' && input.store) {
        stats.totals.stored++;
        keyset.store.add(input.channel, {
          tt,
          message: input.message,
          uuid: input.publisher,
          ...(input.meta !== undefined ? { meta: input.meta } : {}),
          ...(input.customMessageType !== undefined ? { customMessageType: input.customMessageType } : {}),
          ...(input.ttlHours ? { expiresAtMs: options.nowMs() + input.ttlHours * 3_600_000 } : {}),
        });
      }
      return tt;
    },

    expirePresence() {
      for (const keyset of keysets.values()) keyset.presence.expire();
    },

    openLongPolls() {
      let open = 0;
      for (const keyset of keysets.values()) open += keyset.waiters.size();
      return open;
    },

    reset() {
      for (const keyset of keysets.values()) {
        keyset.buffer.clear();
        keyset.store.clear();
        keyset.presence.clear();
        keyset.groups.clear();
      }
      stats.reset();
    },
  };
}
