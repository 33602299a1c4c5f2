import PubNub from 'pubnub';
import { checkSeal, gameIdsOfChannels, sealKeyOf, sealMetaKey } from './catchupSeal.ts';

/** What a player token from `POST /v1/access-tokens` lets its holder read through the API. */
export interface PlayerCredential {
  userId: string;
  /** Lower-cased. */
  gameIds: ReadonlySet<string>;
  /** The seal: one per grant, so it keys the per-credential rate limit. */
  seal: string;
}

export type PlayerCredentialCheck =
  { ok: true; credential: PlayerCredential } | { ok: false; reason: 'not_a_token' | 'invalid' | 'expired' };

/** Reads player tokens; one SDK instance, used offline, only for its CBOR token parser. */
export interface PlayerCredentials {
  check(token: string, nowMs: number): PlayerCredentialCheck;
  close(): void;
}

/**
 * Trusts a token only through our seal in its meta (see catchupSeal.ts): the
 * user and games the seal covers are the token's authorized uuid and its
 * `game.<id>` channels, so changing either breaks the seal.
 */
export function createPlayerCredentials(options: {
  secretKey: string;
  subscribeKey: string;
}): PlayerCredentials {
  const key = sealKeyOf(options.secretKey);
  const parser = new PubNub({
    subscribeKey: options.subscribeKey,
    userId: 'sketchyaf-broadcaster-token-reader',
    enableEventEngine: false,
    autoNetworkDetection: false,
  });
  return {
    check(token, nowMs) {
      let parsed: ReturnType<PubNub['parseToken']>;
      try {
        parsed = parser.parseToken(token);
      } catch {
        return { ok: false, reason: 'not_a_token' };
      }
      const meta: unknown = parsed?.meta;
      const seal =
        typeof meta === 'object' && meta !== null
          ? (meta as Record<string, unknown>)[sealMetaKey]
          : undefined;
      const userId = parsed?.authorized_uuid;
      if (typeof seal !== 'string' || typeof userId !== 'string') return { ok: false, reason: 'invalid' };
      const gameIds = gameIdsOfChannels(Object.keys(parsed?.resources?.channels ?? {}));
      const checked = checkSeal(key, seal, { userId, gameIds }, nowMs);
      if (!checked.ok) return { ok: false, reason: checked.reason };
      return { ok: true, credential: { userId, gameIds: new Set(gameIds), seal } };
    },
    close() {
      parser.destroy(true);
    },
  };
}
