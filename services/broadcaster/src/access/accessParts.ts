import type { Clock } from '@sketchyaf/core';
import type { BroadcasterConfig } from '../config.ts';
import { createPlayerCredentials, type PlayerCredentials } from './playerCredentials.ts';
import { createTokenGranter, type TokenGranter } from './tokenGranter.ts';

/** A grant PubNub has not answered by then is refused 503 (the caller retries). */
const grantTimeoutSeconds = 5;

export interface AccessParts {
  /** Grants player tokens (POST /v1/access-tokens). */
  granter: TokenGranter | null;
  /** Reads the player tokens it granted (GET /v1/games/:id/events). */
  playerCredentials: PlayerCredentials | null;
}

/**
 * Player access needs Access Manager: without PUBNUB_SECRET_KEY there is
 * neither (the routes answer that player tokens are not available).
 */
export function createAccessParts(
  config: Pick<BroadcasterConfig, 'pubnub' | 'pubnubSecretKey'>,
  clock: Pick<Clock, 'now'>,
): AccessParts {
  const secretKey = config.pubnubSecretKey;
  if (secretKey === null) return { granter: null, playerCredentials: null };
  return {
    granter: createTokenGranter({
      ...config.pubnub,
      secretKey,
      timeoutSeconds: grantTimeoutSeconds,
      now: () => clock.now(),
    }),
    playerCredentials: createPlayerCredentials({ secretKey, subscribeKey: config.pubnub.subscribeKey }),
  };
}
