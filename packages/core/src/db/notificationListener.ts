import pg from 'pg';
import { Backoff, backoffPresets } from '../backoff.ts';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { trackResource } from '../lifecycle/liveResources.ts';
import { PeriodicTask } from '../runtime/periodicTask.ts';
import { withTimeout } from '../runtime/timeout.ts';
import { errorFields } from '../logging/errorFields.ts';
import type { Logger } from '../logging/logger.ts';
import { defaultDatabaseConnection } from './databaseConnection.ts';
import { describeDatabaseError } from './databaseErrors.ts';
import { pgConnectionConfig, type PgConnectionConfig } from './databaseTls.ts';

export interface NotificationListenerOptions {
  connectionString: string;
  channel: string;
  applicationName: string;
  logger: Logger;
  onNotification(payload: string | undefined): void;
  /** Called after every (re)connect: notifications sent while down are lost, so the caller resyncs. */
  onConnected(): void;
  onDisconnected?(): void;
  /** Drives the heartbeat and the reconnect back-off; the system clock by default. */
  clock?: Clock;
  /**
   * A `SELECT 1` this often; no answer within the same time and the connection is
   * replaced. A LISTEN connection only reads, so without it a server that stopped
   * answering (a partition, a failover behind a load balancer) goes unnoticed for hours.
   */
  heartbeatMs?: number;
  connectTimeoutMs?: number;
  keepAliveInitialDelayMs?: number;
}

// Short: once the database is back, readiness waits on this connection.

/**
 * A dedicated LISTEN connection (never a pooled one) that reconnects with
 * back-off for as long as it runs, and proves itself alive with a heartbeat.
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  /** The connection being opened or in use; events of an older one are ignored. */
  #client: pg.Client | undefined;
  #stopped = false;
  #connected = false;
  #retryTimer: TimerHandle | undefined;
  #heartbeat: PeriodicTask | undefined;
  readonly #backoff = new Backoff(backoffPresets.listenerReconnect, null);
  #untrack: (() => void) | undefined;

  constructor(options: NotificationListenerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#heartbeatMs = options.heartbeatMs ?? defaultDatabaseConnection.listenHeartbeatMs;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#untrack ??= trackResource('notification listener', this.#options.channel);
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#untrack?.();
    this.#untrack = undefined;
    this.#stopped = true;
    if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#stopHeartbeat();
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (!client) return;
    // A graceful goodbye, but never waiting on a server that stopped answering.
    let timer: TimerHandle | undefined;
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimeout(resolve, 1000);
      }),
    ]);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    client.connection.stream.destroy();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    let connection: PgConnectionConfig;
    try {
      // Read per connection: a rotated CA bundle is used by the next reconnect.
      connection = pgConnectionConfig(this.#options.connectionString);
    } catch (err) {
      this.#options.logger.warn('notification listener cannot connect', {
        ...errorFields(err),
        retryInMs: this.#backoff.peek(),
      });
      this.#retryLater();
      return;
    }
    const client = new pg.Client({
      ...connection,
      application_name: this.#options.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis:
        this.#options.keepAliveInitialDelayMs ?? defaultDatabaseConnection.keepAliveInitialDelayMs,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? defaultDatabaseConnection.connectTimeoutMs,
    });
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === this.#options.channel) this.#options.onNotification(message.payload);
    });
    client.on('error', (err) => {
      this.#options.logger.warn('notification listener connection failed', {
        cause: describeDatabaseError(err),
        ...errorFields(err),
      });
      this.#lost(client);
    });
    client.on('end', () => {
      this.#lost(client);
    });
    try {
      await client.connect();
      await this.#withinHeartbeat(client.query(`LISTEN ${client.escapeIdentifier(this.#options.channel)}`));
    } catch (err) {
      this.#options.logger.warn('notification listener cannot connect', {
        cause: describeDatabaseError(err),
        ...errorFields(err),
        retryInMs: this.#backoff.peek(),
      });
      this.#lost(client);
      return;
    }
    if (this.#stopped || client !== this.#client) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#connected = true;
    this.#backoff.succeeded();
    this.#startHeartbeat(client);
    this.#options.onConnected();
  }

  /** One heartbeat loop per connection: it ends when that connection is lost or the listener stops. */
  #startHeartbeat(client: pg.Client): void {
    this.#stopHeartbeat();
    this.#heartbeat = new PeriodicTask({
      clock: this.#clock,
      intervalMs: this.#heartbeatMs,
      run: async () => {
        if (client === this.#client) await this.#withinHeartbeat(client.query('SELECT 1'));
      },
      onError: (err) => {
        if (client !== this.#client) return;
        this.#options.logger.warn('notification listener heartbeat failed; reconnecting', {
          cause: describeDatabaseError(err),
          ...errorFields(err),
        });
        this.#lost(client);
      },
    });
    this.#heartbeat.start();
  }

  #stopHeartbeat(): void {
    // Not awaited: a round in flight is bounded by one interval and ends on the closed connection.
    void this.#heartbeat?.stop();
    this.#heartbeat = undefined;
  }

  /** Rejects when `work` has not settled within one heartbeat interval. */
  #withinHeartbeat<T>(work: Promise<T>): Promise<T> {
    return withTimeout(this.#heartbeatMs, () => work, {
      clock: this.#clock,
      message: `no answer within ${this.#heartbeatMs} ms (heartbeat)`,
    });
  }

  #lost(client: pg.Client): void {
    if (client !== this.#client) return;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    // A socket nobody answers on would wait for the server's goodbye forever: cut it.
    client.connection.stream.destroy();
    const wasConnected = this.#connected;
    this.#client = undefined;
    this.#connected = false;
    this.#stopHeartbeat();
    if (wasConnected) this.#options.onDisconnected?.();
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped || this.#retryTimer !== undefined) return;
    const delay = this.#backoff.failed();
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
  }
}
