import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/** The part of undici's `undici:request:headers` message this reads (documented diagnostics channel). */
interface HeadersMessage {
  request?: { origin?: unknown; path?: unknown };
  response?: { statusCode?: unknown; headers?: unknown };
}

const channelName = 'undici:request:headers';

/**
 * The PubNub SDK turns a 429 into an error without its headers, so the
 * `Retry-After` value is read here, from undici's diagnostics channel (the
 * SDK's transport is undici), for publishes to our origin. Keyed by channel:
 * the relay never has two publishes of one channel in flight.
 */
export class RetryAfterProbe {
  readonly #origin: string;
  readonly #seen = new Map<string, string>();
  readonly #listener = (message: unknown): void => {
    this.#observe(message as HeadersMessage);
  };

  /** `origin` as undici reports it, e.g. `http://127.0.0.1:8090`. */
  constructor(origin: string) {
    this.#origin = origin;
    subscribe(channelName, this.#listener);
  }

  /** The last Retry-After seen for a 429 on `channel`, forgotten once read. */
  take(channel: string): string | undefined {
    const value = this.#seen.get(channel);
    this.#seen.delete(channel);
    return value;
  }

  close(): void {
    unsubscribe(channelName, this.#listener);
    this.#seen.clear();
  }

  #observe(message: HeadersMessage): void {
    if (message.response?.statusCode !== 429) return;
    const origin = message.request?.origin;
    const path = message.request?.path;
    if (typeof path !== 'string' || String(origin) !== this.#origin) return;
    // /publish/{pub}/{sub}/0/{channel}/0[/{message}]
    const segments = path.split('?')[0]?.split('/') ?? [];
    if (segments[1] !== 'publish' || segments[5] === undefined) return;
    const value = headerValue(message.response.headers, 'retry-after');
    if (value === undefined) return;
    let channel: string;
    try {
      channel = decodeURIComponent(segments[5]);
    } catch {
      return;
    }
    if (this.#seen.size > 10_000) this.#seen.clear();
    this.#seen.set(channel, value);
  }
}

/** Reads a header from undici's raw list (alternating names and values, Buffers or strings). */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
  }
  return undefined;
}
