/**
 * PubNub's v2 request signature, computed as the SDK does
 * (`RequestSignature` in its transport middleware):
 * `v2.` + unpadded base64url of HMAC-SHA256(secret,
 * `METHOD\npubKey\npath\nsortedQuery\n` + body for POST/PATCH), where the
 * path is as sent (still percent-encoded), publish counts as GET, and the
 * query is every parameter but `signature`, sorted by name, values
 * re-encoded the SDK's way.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  method: string;
  /** The request path exactly as received, before percent-decoding. */
  rawPath: string;
  /** Query parameters, decoded, in arrival order. */
  query: readonly (readonly [string, string])[];
  /** The body text; only counted for POST and PATCH. */
  body: string;
}

/** The SDK's `encodeString`: encodeURIComponent plus `!~*'()`. */
export function encodeString(value: string): string {
  return encodeURIComponent(value).replace(
    /[!~*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Splits a raw query string into decoded pairs. `+` stays `+`: the SDK
 * never sends one for a space, and URLSearchParams would change it.
 * Undefined when the percent-encoding is malformed.
 */
export function parseRawQuery(raw: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    try {
      pairs.push(
        eq === -1
          ? [decodeURIComponent(part), '']
          : [decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))],
      );
    } catch {
      return undefined;
    }
  }
  return pairs;
}

function sortedQuery(query: SignedRequest['query']): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (name === 'signature') continue;
    byName.set(name, [...(byName.get(name) ?? []), value]);
  }
  return [...byName.keys()]
    .sort()
    .flatMap((name) => (byName.get(name) ?? []).sort().map((value) => `${name}=${encodeString(value)}`))
    .join('&');
}

export function signatureInput(request: SignedRequest, publishKey: string): string {
  const method = request.rawPath.startsWith('/publish') ? 'GET' : request.method;
  const withBody = method === 'POST' || method === 'PATCH';
  return `${method}\n${publishKey}\n${request.rawPath}\n${sortedQuery(request.query)}\n${withBody ? request.body : ''}`;
}

export function computeSignature(request: SignedRequest, publishKey: string, secretKey: string): string {
  return `v2.${createHmac('sha256', secretKey).update(signatureInput(request, publishKey), 'utf8').digest('base64url')}`;
}

/** True when `signature` matches the request under one of the accepted publish keys. */
export function verifySignature(
  request: SignedRequest,
  signature: string,
  publishKeys: readonly string[],
  secretKey: string,
): boolean {
  const given = Buffer.from(signature);
  return publishKeys.some((publishKey) => {
    const expected = Buffer.from(computeSignature(request, publishKey, secretKey));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
