import { z } from 'zod';
import { channelFor, userIdPattern } from '../events/channels.ts';

/** The body of `POST /v1/access-tokens` (also described by the OpenAPI document). */
export const accessTokenBody = z.strictObject({
  userId: z.string().regex(userIdPattern, 'must be 1-64 letters, digits, - or _'),
  gameIds: z.array(z.guid()).min(1).max(100),
  ttlMinutes: z.int().min(1).max(1440).default(60),
});

export type AccessTokenRequest = z.infer<typeof accessTokenBody>;

/** What grantToken receives: read on each listed channel, for one authorized user. */
export interface PlayerGrant {
  authorizedUserId: string;
  ttlMinutes: number;
  /** Every channel the token reads, games first (in the order asked, duplicates dropped), then user.<userId>. */
  channels: string[];
}

/**
 * The channels a player reads, and nothing else: for each game its events
 * (`game.<id>`), its PubNub presence (`game.<id>-pnpres`) and our presence
 * events (`presence.<id>`); then the player's own `user.<userId>`. Pure.
 */
export function playerGrantOf(request: AccessTokenRequest): PlayerGrant {
  const channels = new Set<string>();
  for (const gameId of request.gameIds) {
    const game = channelFor({ scope: 'game', gameId });
    channels.add(game);
    channels.add(`${game}-pnpres`);
    channels.add(channelFor({ scope: 'presence', gameId }));
  }
  channels.add(channelFor({ scope: 'user', userId: request.userId }));
  return { authorizedUserId: request.userId, ttlMinutes: request.ttlMinutes, channels: [...channels] };
}

/** When a token granted at `timestampSeconds` (PubNub's clock, in the token) for `ttlMinutes` expires. */
export function expiryOf(timestampSeconds: number, ttlMinutes: number): Date {
  return new Date((timestampSeconds + ttlMinutes * 60) * 1000);
}
