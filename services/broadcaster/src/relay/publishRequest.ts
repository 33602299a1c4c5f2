/**
 * PubNub's REST publish request, built as the official SDK (pubnub 12) builds
 * it: `PublishRequest` for the path, query and body, its middleware for
 * uuid/requestid/pnsdk and the v2 signature, its Node transport for the
 * deflated POST body. Pure; publisherConformance.test.ts compares the two on the wire.
 */
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface PublishKeys {
  publishKey: string;
  subscribeKey: string;
  userId: string;
  /** Access Manager: sign every request; null: unsigned. */
  secretKey: string | null;
}

export interface PublishRequest {
  method: 'GET' | 'POST';
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** Identifies this client in PubNub's `pnsdk` parameter, as the SDK names itself there. */
export const pnsdk = 'SketchyAF-Relay-undici/1';

/** The SDK's `encodeString`: encodeURIComponent plus `!~*'()`. */
export function encodeString(value: string): string {
  return encodeURIComponent(value).replace(
    /[!~*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * `GET /publish/{pub}/{sub}/0/{channel}/0/{message}`, or POST with the
 * message as a zlib-deflated JSON body; query `uuid`, `requestid`, `pnsdk`
 * and, with a secret key, `timestamp` and `signature`, in the SDK's order.
 */
export function buildPublishRequest(
  keys: PublishKeys,
  channel: string,
  messageJson: string,
  byPost: boolean,
  requestId: string,
  nowMs: number,
): PublishRequest {
  const base = `/publish/${keys.publishKey}/${keys.subscribeKey}/0/${encodeString(channel)}/0`;
  const path = byPost ? base : `${base}/${encodeString(messageJson)}`;
  const query: [string, string][] = [
    ['uuid', keys.userId],
    ['requestid', requestId],
    ['pnsdk', pnsdk],
  ];
  if (keys.secretKey !== null) {
    query.push(['timestamp', String(Math.floor(nowMs / 1000))]);
    query.push(['signature', signature(keys.publishKey, keys.secretKey, path, query)]);
  }
  const target = `${path}?${query.map(([name, value]) => `${name}=${encodeString(value)}`).join('&')}`;
  if (!byPost) return { method: 'GET', path: target, headers: {}, body: null };
  return {
    method: 'POST',
    path: target,
    headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' },
    body: deflateSync(messageJson),
  };
}

/**
 * v2: `v2.` + unpadded base64url HMAC-SHA256 of `GET\npub\npath\nsortedQuery\n`.
 * A publish is signed as a GET whatever its method, so a POST body is not signed.
 */
export function signature(
  publishKey: string,
  secretKey: string,
  path: string,
  query: readonly (readonly [string, string])[],
): string {
  const sorted = [...query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${encodeString(value)}`)
    .join('&');
  const input = `GET\n${publishKey}\n${path}\n${sorted}\n`;
  return `v2.${createHmac('sha256', secretKey).update(input, 'utf8').digest('base64url')}`;
}
