import PubNub from 'pubnub';
import { createSilentLogger } from '@sketchyaf/core';
import type { PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadBroadcasterConfig,
  startBroadcaster,
  type BroadcasterService,
  type Envelope,
} from '../src/index.ts';

export const apiToken = 'test-token-0123456789abcdef';
export const adminToken = 'test-admin-token-0123456789';

/** A broadcaster on an ephemeral port with test tokens; `env` overrides any setting. */
export function startTestBroadcaster(
  databaseUrl: string,
  pubnub: PubnubLocalHandle | string,
  env: Record<string, string> = {},
): Promise<BroadcasterService> {
  const config = loadBroadcasterConfig({
    DATABASE_URL: databaseUrl,
    PUBNUB_ORIGIN: typeof pubnub === 'string' ? pubnub : pubnub.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    BROADCAST_API_TOKENS: apiToken,
    BROADCAST_ADMIN_TOKENS: adminToken,
    CORS_ORIGINS: 'https://play.example.com',
    RELAY_POLL_INTERVAL_MS: '500',
    RELAY_STATS_INTERVAL_MS: '200',
    ...env,
  });
  return startBroadcaster(config, { logger: createSilentLogger('broadcaster') });
}

export interface PostResult {
  status: number;
  body: unknown;
  headers: Headers;
}

/** POSTs `body` (serialized unless a string) with the test token unless `headers` says otherwise. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

// Game factory shared with the other suites (formerly defined here).
export { createGames } from '@sketchyaf/testkit';

export interface Received {
  channel: string;
  timetoken: string;
  envelope: Envelope;
}

/** An SDK subscriber on `channels` (e.g. `game.*`) that records every message. */
export class Subscriber {
  readonly client: PubNub;
  readonly messages: Received[] = [];
  readonly statuses: string[] = [];

  constructor(pubnub: PubnubLocalHandle, userId = 'test-subscriber') {
    this.client = new PubNub({
      publishKey: 'pub-c-local',
      subscribeKey: 'sub-c-local',
      userId,
      origin: pubnub.origin,
      ssl: false,
      keepAlive: true,
      // Outlive a 10 s outage: retry every 2 s, up to 10 times.
      retryConfiguration: PubNub.LinearRetryPolicy({ delay: 2, maximumRetry: 10 }),
    });
    this.client.addListener({
      message: (event) => {
        this.messages.push({
          channel: event.channel,
          timetoken: event.timetoken,
          envelope: event.message as unknown as Envelope,
        });
      },
      status: (event) => {
        this.statuses.push(event.category);
      },
    });
  }

  /** Subscribes and resolves once connected, so later publishes are seen. */
  async subscribe(channels: string[]): Promise<void> {
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('subscription did not connect within 5 s'));
      }, 5000);
      const listener: PubNub.Listener = {
        status: (event) => {
          if (event.category === PubNub.CATEGORIES.PNConnectedCategory) {
            clearTimeout(timer);
            this.client.removeListener(listener);
            resolve();
          }
        },
      };
      this.client.addListener(listener);
    });
    this.client.subscribe({ channels });
    await connected;
  }

  stop(): void {
    this.client.removeAllListeners();
    this.client.destroy(true);
  }
}

/**
 * Checks per-game delivery: every expected sequence, first deliveries in
 * strictly increasing order without gaps, repeats only with the same eventId.
 * Returns a list of problems (empty when all is well).
 */
export function checkGameOrder(
  messages: readonly Received[],
  expected: ReadonlyMap<string, number>,
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, { last: number; eventIds: Map<number, string> }>();
  for (const { envelope } of messages) {
    if (envelope.gameId === undefined || envelope.sequence === undefined) continue;
    if (!expected.has(envelope.gameId)) continue;
    const state = seen.get(envelope.gameId) ?? { last: 0, eventIds: new Map<number, string>() };
    seen.set(envelope.gameId, state);
    const known = state.eventIds.get(envelope.sequence);
    if (known !== undefined) {
      if (known !== envelope.eventId)
        problems.push(`${envelope.gameId}#${envelope.sequence}: repeat with another eventId`);
      continue;
    }
    if (envelope.sequence !== state.last + 1) {
      problems.push(`${envelope.gameId}: got sequence ${envelope.sequence} after ${state.last}`);
    }
    state.last = Math.max(state.last, envelope.sequence);
    state.eventIds.set(envelope.sequence, envelope.eventId);
  }
  for (const [gameId, count] of expected) {
    const got = seen.get(gameId)?.last ?? 0;
    if (got !== count) problems.push(`${gameId}: received up to ${got} of ${count}`);
  }
  return problems;
}

/** Reads one sample of a metric (with optional labels) from a /metrics text. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels === '' ? !(rest.startsWith(' ') || rest.startsWith('{service=')) : !rest.includes(labels))
      continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}
