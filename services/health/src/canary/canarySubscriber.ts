import PubNub from 'pubnub';

export type SubscriberState = 'connecting' | 'connected' | 'disconnected';

export interface CanaryArrival {
  probeId: string;
  eventId: string;
}

/** Reads a canary envelope (`{type:'canary', eventId, data:{probeId}}`); undefined for anything else. */
export function parseCanaryMessage(message: unknown): CanaryArrival | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { type?: unknown; eventId?: unknown; data?: unknown };
  const probeId = (m.data as { probeId?: unknown } | null | undefined)?.probeId;
  if (m.type !== 'canary' || typeof m.eventId !== 'string' || typeof probeId !== 'string') return undefined;
  return { probeId, eventId: m.eventId };
}

export interface CanarySubscriberOptions {
  /** `host[:port]`. */
  origin: string;
  ssl: boolean;
  subscribeKey: string;
  userId: string;
  /**
   * Access Manager on: the subscriber signs its requests, server side as the
   * relay, so it has no token to renew (the publish key is part of the signature).
   */
  signing?: { publishKey: string; secretKey: string } | null;
  channel: string;
  onArrival(arrival: CanaryArrival): void;
  onStateChange(state: SubscriberState, category: string): void;
}

const connectedCategories = new Set<string>([
  PubNub.CATEGORIES.PNConnectedCategory,
  PubNub.CATEGORIES.PNReconnectedCategory,
]);
const disconnectedCategories = new Set<string>([
  PubNub.CATEGORIES.PNDisconnectedUnexpectedlyCategory,
  PubNub.CATEGORIES.PNConnectionErrorCategory,
  PubNub.CATEGORIES.PNNetworkDownCategory,
]);

/**
 * The canary's receiving end: the official SDK subscribed to
 * `user.<canaryUserId>`, as a player's app would be. The SDK retries on its
 * own; once it gives up, `ensureConnected()` (called on every canary tick)
 * reconnects, and PubNub's catch-up delivers what was published meanwhile.
 */
export class CanarySubscriber {
  readonly #client: PubNub;
  readonly #options: CanarySubscriberOptions;
  #state: SubscriberState = 'connecting';
  #everConnected = false;

  constructor(options: CanarySubscriberOptions) {
    this.#options = options;
    this.#client = new PubNub({
      subscribeKey: options.subscribeKey,
      userId: options.userId,
      ...(options.signing ?? {}),
      origin: options.origin,
      ssl: options.ssl,
      keepAlive: true,
      retryConfiguration: PubNub.LinearRetryPolicy({ delay: 2, maximumRetry: 5 }),
    });
    this.#client.addListener({
      message: (event) => {
        if (event.channel !== options.channel) return;
        const arrival = parseCanaryMessage(event.message);
        if (arrival) options.onArrival(arrival);
      },
      status: (event) => {
        const category: string = event.category;
        if (connectedCategories.has(category)) this.#setState('connected', category);
        else if (disconnectedCategories.has(category)) this.#setState('disconnected', category);
      },
    });
  }

  get state(): SubscriberState {
    return this.#state;
  }

  /** True once the first subscription has connected (canaries sent before would be missed). */
  get everConnected(): boolean {
    return this.#everConnected;
  }

  start(): void {
    this.#client.subscribe({ channels: [this.#options.channel] });
  }

  /** After the SDK has given up retrying: try again, catching up from the last cursor. */
  ensureConnected(): void {
    if (this.#state !== 'disconnected') return;
    this.#setState('connecting', 'reconnect');
    this.#client.reconnect();
  }

  stop(): void {
    this.#client.removeAllListeners();
    this.#client.unsubscribeAll();
    this.#client.destroy(true);
  }

  #setState(state: SubscriberState, category: string): void {
    if (state === 'connected') this.#everConnected = true;
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onStateChange(state, category);
  }
}
