import { shardOf } from '@sketchyaf/core';

// Channel routing, both ways, in one place. A period separates levels so that
// `game.*` wildcard subscribes work; ids therefore never contain one.

export type ChannelScope = 'game' | 'user' | 'presence';

export type ChannelTarget =
  | { scope: 'game'; gameId: string }
  | { scope: 'presence'; gameId: string }
  | { scope: 'user'; userId: string };

/** User ids that can be part of a channel name: no `.`, `,`, `:`, `*`, `/`, whitespace. */
export const userIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The PubNub channel of an event. Game ids are lower-cased, as PostgreSQL renders a uuid. */
export function channelFor(target: ChannelTarget): string {
  switch (target.scope) {
    case 'game':
      return `game.${target.gameId.toLowerCase()}`;
    case 'presence':
      return `presence.${target.gameId.toLowerCase()}`;
    case 'user':
      return `user.${target.userId}`;
  }
}

/** The inverse of channelFor; undefined for a name it never produces. */
export function parseChannel(channel: string): ChannelTarget | undefined {
  const dot = channel.indexOf('.');
  if (dot < 0) return undefined;
  const prefix = channel.slice(0, dot);
  const id = channel.slice(dot + 1);
  if (id === '' || id.includes('.')) return undefined;
  if (prefix === 'game') return { scope: 'game', gameId: id };
  if (prefix === 'presence') return { scope: 'presence', gameId: id };
  if (prefix === 'user') return userIdPattern.test(id) ? { scope: 'user', userId: id } : undefined;
  return undefined;
}

/**
 * The shard that owns an outbox row: its game's shard for game events, else
 * the channel's. Must match the SQL function realtime_outbox_shard().
 */
export function outboxShardOf(gameId: string | null, channel: string, shardCount: number): number {
  return gameId !== null ? shardOf(gameId, shardCount) : shardOf(channel, shardCount);
}
