import type { Clock } from '@sketchyaf/core';
import type { Publisher, PublisherKind } from './publisher.ts';
import { createPubnubPublisher } from './pubnubPublisher.ts';
import { createUndiciPublisher } from './undiciPublisher.ts';

export interface RelayPublisherOptions {
  kind: PublisherKind;
  publishKey: string;
  subscribeKey: string;
  origin: string;
  ssl: boolean;
  userId: string;
  secretKey: string | null;
  timeoutMs: number;
  rateLimitDefaultMs: number;
  /** Keep-alive connections (the SDK's maxSockets). */
  connections: number;
  /** undici only: requests in flight per connection. */
  pipelining: number;
  clock?: Clock;
}

/** The relay's publisher as RELAY_PUBLISHER names it. */
export function createRelayPublisher(options: RelayPublisherOptions): Publisher {
  const { kind, connections, pipelining, ...common } = options;
  if (kind === 'sdk') return createPubnubPublisher({ ...common, maxSockets: connections });
  return createUndiciPublisher({ ...common, connections, pipelining });
}
