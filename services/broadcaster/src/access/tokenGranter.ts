import PubNub from 'pubnub';
import { gameIdsOfChannels, sealKeyOf, sealMetaKey, sealOf } from './catchupSeal.ts';
import { expiryOf, type PlayerGrant } from './playerGrant.ts';

/** Grants player tokens; tests can supply their own. */
export interface TokenGranter {
  /** Rejects with GrantError when PubNub refuses or does not answer in time. */
  grant(grant: PlayerGrant): Promise<{ token: string; expiresAt: Date }>;
  close(): void;
}

export interface TokenGranterOptions {
  publishKey: string;
  subscribeKey: string;
  secretKey: string;
  /** `host[:port]`. */
  origin: string;
  ssl: boolean;
  userId: string;
  /** The SDK gives up after this many seconds: the caller gets a fast 503, never a hang. */
  timeoutSeconds: number;
  /** Wall-clock ms: the expiry of the catch-up seal (catchupSeal.ts). */
  now(): number;
}

/** PubNub did not grant; `statusCode` 0 when it did not answer. */
export class GrantError extends Error {
  readonly statusCode: number;

  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GrantError';
    this.statusCode = statusCode;
  }
}

/**
 * Grants with the official SDK's grantToken (Access Manager v3), signed with
 * the secret key. Its own retries are off: the caller retries after the 503.
 */
export function createTokenGranter(options: TokenGranterOptions): TokenGranter {
  const sealKey = sealKeyOf(options.secretKey);
  const pubnub = new PubNub({
    publishKey: options.publishKey,
    subscribeKey: options.subscribeKey,
    secretKey: options.secretKey,
    userId: options.userId,
    origin: options.origin,
    ssl: options.ssl,
    keepAlive: true,
    retryConfiguration: PubNub.NoneRetryPolicy(),
    transactionalRequestTimeout: options.timeoutSeconds,
    enableEventEngine: false,
    autoNetworkDetection: false,
  });
  return {
    async grant(grant) {
      let token: string;
      const gameIds = gameIdsOfChannels(grant.channels);
      const seal = sealOf(sealKey, {
        userId: grant.authorizedUserId,
        gameIds,
        expiresAtSeconds: Math.floor(options.now() / 1000) + grant.ttlMinutes * 60,
      });
      try {
        token = await pubnub.grantToken({
          ttl: grant.ttlMinutes,
          authorized_uuid: grant.authorizedUserId,
          // Lets the broadcaster itself trust the token for GET /v1/games/:id/events.
          meta: { [sealMetaKey]: seal },
          resources: {
            channels: Object.fromEntries(grant.channels.map((channel) => [channel, { read: true }])),
          },
        });
      } catch (err) {
        const status = (err as { status?: { statusCode?: unknown; category?: unknown } } | null)?.status;
        const statusCode = typeof status?.statusCode === 'number' ? status.statusCode : 0;
        const what = typeof status?.category === 'string' ? status.category : String(err);
        throw new GrantError(`PubNub grantToken failed (${statusCode || 'no answer'}): ${what}`, statusCode, {
          cause: err,
        });
      }
      // PubNub's clock stamps the token: its expiry comes from there, not from ours.
      const parsed = pubnub.parseToken(token);
      if (!parsed) throw new GrantError('PubNub granted a token the SDK cannot read', 200);
      return { token, expiresAt: expiryOf(parsed.timestamp, parsed.ttl) };
    },
    close() {
      pubnub.destroy(true);
    },
  };
}
