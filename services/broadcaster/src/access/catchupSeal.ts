import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseChannel } from '../events/channels.ts';

/**
 * Our own signature inside a player's Access Manager token, so that the
 * broadcaster can trust the token for `GET /v1/games/:id/events` without
 * PubNub: PubNub signs a token with an algorithm it does not document, so we
 * cannot check its signature. At grant time we put a seal in the token's
 * `meta` (PubNub copies meta into the token unchanged): an HMAC, keyed from
 * PUBNUB_SECRET_KEY, over the authorized user, the games and our expiry.
 * Whoever can forge a seal holds the secret key and can grant any token
 * anyway. Pure (no clock: time comes in as arguments).
 */
export interface SealClaims {
  userId: string;
  gameIds: readonly string[];
  /** Epoch seconds. */
  expiresAtSeconds: number;
}

/** The meta key the seal travels under. */
export const sealMetaKey = 'sketchyafCatchup';

const sealVersion = 'v1';

/** A key of its own for seals, derived from the secret key (never the secret key itself). */
export function sealKeyOf(secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update('sketchyaf catch-up seal v1').digest();
}

function mac(key: Buffer, claims: SealClaims): Buffer {
  // Games sorted and lower-cased: the token's channel map does not keep the order asked for.
  const games = [...new Set(claims.gameIds.map((id) => id.toLowerCase()))].sort().join(',');
  return createHmac('sha256', key)
    .update(`${sealVersion}\n${claims.userId}\n${games}\n${claims.expiresAtSeconds}`)
    .digest();
}

/** `v1.<expiresAtSeconds>.<base64url HMAC>`. */
export function sealOf(key: Buffer, claims: SealClaims): string {
  return `${sealVersion}.${claims.expiresAtSeconds}.${mac(key, claims).toString('base64url')}`;
}

export type SealCheck = { ok: true; expiresAtSeconds: number } | { ok: false; reason: 'invalid' | 'expired' };

/** Whether `seal` was made by sealOf with `key` for this user and these games, and has not expired at `nowMs`. */
export function checkSeal(
  key: Buffer,
  seal: string,
  claims: Omit<SealClaims, 'expiresAtSeconds'>,
  nowMs: number,
): SealCheck {
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(seal);
  if (!match?.[1] || !match[2]) return { ok: false, reason: 'invalid' };
  const expiresAtSeconds = Number(match[1]);
  const presented = Buffer.from(match[2], 'base64url');
  const expected = mac(key, { ...claims, expiresAtSeconds });
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
    return { ok: false, reason: 'invalid' };
  if (nowMs >= expiresAtSeconds * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAtSeconds };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The games whose `game.<id>` channel is among `channels` (not `game.<id>-pnpres`), lower-cased. */
export function gameIdsOfChannels(channels: Iterable<string>): string[] {
  const games = new Set<string>();
  for (const channel of channels) {
    const target = parseChannel(channel);
    if (target?.scope === 'game' && uuidPattern.test(target.gameId)) games.add(target.gameId.toLowerCase());
  }
  return [...games];
}
