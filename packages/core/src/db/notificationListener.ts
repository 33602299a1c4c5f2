import pg from 'pg';
import type { Logger } from '../logging/logger.ts';

export interface NotificationListenerOptions {
  connectionString: string;
  channel: string;
  applicationName: string;
  logger: Logger;
  onNotification(payload: string | undefined): void;
  /** Called after every (re)connect: notifications sent while down are lost, so the caller resyncs. */
  onConnected(): void;
  onDisconnected?(): void;
}

/**
 * A dedicated LISTEN connection (never a pooled one) that reconnects with
 * back-off for as long as it runs.
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions;
  #client: pg.Client | undefined;
  #stopped = false;
  #connected = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #backoffMs = 100;

  constructor(options: NotificationListenerOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: 2000,
    });
    client.on('notification', (message) => {
      if (message.channel === this.#options.channel) this.#options.onNotification(message.payload);
    });
    client.on('error', (err) => {
      this.#options.logger.warn('notification listener connection failed', { err: err.message });
      this.#lost(client);
    });
    client.on('end', () => {
      this.#lost(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.#options.channel)}`);
    } catch (err) {
      this.#options.logger.warn('notification listener cannot connect', {
        err: err instanceof Error ? err.message : String(err),
        retryInMs: this.#backoffMs,
      });
      this.#lost(client);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#connected = true;
    this.#backoffMs = 100;
    this.#options.onConnected();
  }

  #lost(client: pg.Client): void {
    if (client !== this.#client && this.#client !== undefined) return;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    const wasConnected = this.#connected;
    this.#client = undefined;
    this.#connected = false;
    if (wasConnected) this.#options.onDisconnected?.();
    if (this.#stopped || this.#retryTimer !== undefined) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, 5000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
  }
}
