import type { Clock } from '@sketchyaf/core';
import type { BroadcasterConfig } from '../config.ts';
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

/** The publisher the configuration names: RELAY_PUBLISHER with its timeouts and pool, signed with PUBNUB_SECRET_KEY. */
export function relayPublisherFor(
  config: Pick<BroadcasterConfig, 'pubnub' | 'pubnubSecretKey' | 'relay'>,
  clock: Clock,
): Publisher {
  return createRelayPublisher({
    ...config.pubnub,
    kind: config.relay.publisher,
    secretKey: config.pubnubSecretKey,
    timeoutMs: config.relay.publishTimeoutMs,
    rateLimitDefaultMs: config.relay.rateLimitDefaultMs,
    connections: config.relay.publishConnections,
    pipelining: config.relay.publishPipelining,
    clock,
  });
}
