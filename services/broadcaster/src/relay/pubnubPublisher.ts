import PubNub from 'pubnub';
import { TimeoutError, errorMessage, systemClock, withTimeout } from '@sketchyaf/core';
import { postAboveBytes, type Publisher, type PublisherTarget } from './publisher.ts';
import { parseRetryAfter } from './backoff.ts';
import {
  classifyPublishFailure,
  ConfigurationPublishError,
  PoisonPublishError,
  RateLimitedPublishError,
  TransientPublishError,
  type PublishError,
} from './publishErrors.ts';
import { RetryAfterProbe } from './retryAfterProbe.ts';

export type { Publisher } from './publisher.ts';

export interface PubnubPublisherOptions extends PublisherTarget {
  timeoutMs: number;
  maxSockets: number;
}

interface SdkStatus {
  statusCode?: unknown;
  category?: unknown;
  errorData?: unknown;
}

/**
 * Publishes with the official SDK. Its own retries are off
 * (NoneRetryPolicy): the relay's backoff, rate limiting and circuit breaker
 * decide when to try again.
 */
export function createPubnubPublisher(options: PubnubPublisherOptions): Publisher {
  const pubnub = new PubNub({
    publishKey: options.publishKey,
    subscribeKey: options.subscribeKey,
    userId: options.userId,
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
    origin: options.origin,
    ssl: options.ssl,
    keepAlive: true,
    keepAliveSettings: { maxSockets: options.maxSockets, timeout: 30_000 },
    retryConfiguration: PubNub.NoneRetryPolicy(),
    transactionalRequestTimeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
    enableEventEngine: false,
    autoNetworkDetection: false,
  });
  const probe = new RetryAfterProbe(`${options.ssl ? 'https' : 'http'}://${options.origin}`);
  const clock = options.clock ?? systemClock;

  return {
    async publish(channel, message, approxBytes) {
      try {
        const response = await withTimeout(
          options.timeoutMs,
          () =>
            pubnub.publish({
              channel,
              message: message as unknown as PubNub.Payload,
              sendByPost: approxBytes > postAboveBytes,
            }),
          { clock, message: `no answer from PubNub within ${options.timeoutMs} ms` },
        );
        return response.timetoken;
      } catch (err) {
        if (err instanceof TimeoutError) throw new TransientPublishError(err.message, 0);
        throw toPublishError(err, channel, probe, options.rateLimitDefaultMs, clock.now());
      }
    },
    close() {
      probe.close();
      pubnub.destroy(true);
    },
  };
}

function toPublishError(
  err: unknown,
  channel: string,
  probe: RetryAfterProbe,
  defaultMs: number,
  nowMs: number,
): PublishError {
  if (err instanceof TransientPublishError) return err;
  const status = (err as { status?: SdkStatus } | null)?.status;
  const statusCode = typeof status?.statusCode === 'number' ? status.statusCode : 0;
  const detail = describe(err, status);
  switch (classifyPublishFailure(statusCode, detail)) {
    case 'rate_limited': {
      const retryAfterMs = parseRetryAfter(probe.take(channel), nowMs) ?? defaultMs;
      return new RateLimitedPublishError(`PubNub 429: ${detail}`, retryAfterMs, { cause: err });
    }
    case 'configuration':
      return new ConfigurationPublishError(`PubNub ${statusCode}: ${detail}`, statusCode, { cause: err });
    case 'poison':
      return new PoisonPublishError(`PubNub ${statusCode}: ${detail}`, statusCode, { cause: err });
    case 'transient':
      return new TransientPublishError(`PubNub ${statusCode || 'no response'}: ${detail}`, statusCode, {
        cause: err,
      });
  }
}

function describe(err: unknown, status: SdkStatus | undefined): string {
  const data = status?.errorData;
  if (typeof data === 'string') return data;
  if (data !== null && typeof data === 'object') {
    const message = (data as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  if (typeof status?.category === 'string') return status.category;
  return errorMessage(err);
}
