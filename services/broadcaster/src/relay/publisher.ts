import type { Clock } from '@sketchyaf/core';
import type { Envelope } from '../events/envelope.ts';

/** What the relay needs from PubNub; tests can supply their own. */
export interface Publisher {
  /** Resolves with PubNub's timetoken; rejects with a PublishError subclass. */
  publish(channel: string, message: Envelope, approxBytes: number): Promise<string>;
  close(): void;
}

/** RELAY_PUBLISHER: PubNub's REST publish on undici's pool, or the official SDK. */
export const publisherKinds = ['undici', 'sdk'] as const;
export type PublisherKind = (typeof publisherKinds)[number];

// Messages larger than this go by POST: a GET puts the URL-encoded message in
// the request line, which can grow to three times its size.
export const postAboveBytes = 4096;

/** What every publisher needs to reach PubNub. */
export interface PublisherTarget {
  publishKey: string;
  subscribeKey: string;
  /** `host[:port]`. */
  origin: string;
  ssl: boolean;
  userId: string;
  /** Access Manager: every request is signed with it; null or absent: unsigned. */
  secretKey?: string | null;
  /** Used when a 429 comes without a readable Retry-After. */
  rateLimitDefaultMs: number;
  /** Retry-After dates, timeouts and signature timestamps; the system clock by default. */
  clock?: Clock;
}
