/**
 * Who is on which channel. A heartbeat (or a subscribe) keeps a uuid present
 * for `timeoutSec`; the first one announces a `join`, a leave announces
 * `leave`, and a missed deadline announces `timeout` when `expire()` runs.
 * Events go to `onEvent`, which publishes them on `<channel>-pnpres`.
 */
export type PresenceState = Record<string, unknown>;

export type PresenceAction = 'join' | 'leave' | 'timeout' | 'state-change';

export interface PresenceEvent {
  channel: string;
  action: PresenceAction;
  uuid: string;
  occupancy: number;
  timestampSec: number;
  state?: PresenceState;
}

export interface Occupant {
  uuid: string;
  state?: PresenceState;
}

export interface PresenceRegistry {
  heartbeat(
    uuid: string,
    channels: readonly string[],
    timeoutSec: number,
    states?: Record<string, PresenceState>,
  ): void;
  leave(uuid: string, channels: readonly string[]): void;
  setState(uuid: string, channels: readonly string[], state: PresenceState): void;
  getState(uuid: string, channel: string): PresenceState | undefined;
  occupants(channel: string): Occupant[];
  /** Channels with at least one occupant. */
  occupiedChannels(): string[];
  whereNow(uuid: string): string[];
  /** Times out every uuid whose deadline passed. */
  expire(): void;
  clear(): void;
}

export interface PresenceRegistryOptions {
  nowMs: () => number;
  onEvent: (event: PresenceEvent) => void;
}

export function createPresenceRegistry(options: PresenceRegistryOptions): PresenceRegistry {
  const present = new Map<string, Map<string, number>>();
  const states = new Map<string, Map<string, PresenceState>>();

  function occupancy(channel: string): number {
    return present.get(channel)?.size ?? 0;
  }

  function emit(channel: string, action: PresenceAction, uuid: string, state?: PresenceState): void {
    const event: PresenceEvent = {
      channel,
      action,
      uuid,
      occupancy: occupancy(channel),
      timestampSec: Math.floor(options.nowMs() / 1000),
    };
    if (state !== undefined) event.state = state;
    options.onEvent(event);
  }

  function remove(uuid: string, channel: string, action: 'leave' | 'timeout'): void {
    const members = present.get(channel);
    if (!members?.delete(uuid)) return;
    if (members.size === 0) present.delete(channel);
    states.get(channel)?.delete(uuid);
    emit(channel, action, uuid);
  }

  function storeState(uuid: string, channel: string, state: PresenceState): void {
    const byUuid = states.get(channel) ?? new Map<string, PresenceState>();
    states.set(channel, byUuid);
    byUuid.set(uuid, state);
  }

  return {
    heartbeat(uuid, channels, timeoutSec, channelStates) {
      const deadline = options.nowMs() + timeoutSec * 1000;
      for (const channel of channels) {
        const state = channelStates?.[channel];
        if (state !== undefined) storeState(uuid, channel, state);
        const members = present.get(channel) ?? new Map<string, number>();
        present.set(channel, members);
        const isNew = !members.has(uuid);
        members.set(uuid, deadline);
        if (isNew) emit(channel, 'join', uuid, states.get(channel)?.get(uuid));
      }
    },

    leave(uuid, channels) {
      for (const channel of channels) remove(uuid, channel, 'leave');
    },

    setState(uuid, channels, state) {
      for (const channel of channels) {
        storeState(uuid, channel, state);
        emit(channel, 'state-change', uuid, state);
      }
    },

    getState(uuid, channel) {
      return states.get(channel)?.get(uuid);
    },

    occupants(channel) {
      const members = present.get(channel);
      if (!members) return [];
      return [...members.keys()].map((uuid) => {
        const state = states.get(channel)?.get(uuid);
        return state === undefined ? { uuid } : { uuid, state };
      });
    },

    occupiedChannels() {
      return [...present.keys()];
    },

    whereNow(uuid) {
      return [...present].filter(([, members]) => members.has(uuid)).map(([channel]) => channel);
    },

    expire() {
      const now = options.nowMs();
      for (const [channel, members] of [...present]) {
        for (const [uuid, deadline] of [...members]) {
          if (deadline <= now) remove(uuid, channel, 'timeout');
        }
      }
    },

    clear() {
      present.clear();
      states.clear();
    },
  };
}
