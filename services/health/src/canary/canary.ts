import { randomUUID } from 'node:crypto';
import { PeriodicTask, errorFields, errorMessage, type Clock, type Logger } from '@sketchyaf/core';
import type { CanarySettings } from '../config.ts';
import type { HealthMetrics } from '../metrics.ts';
import type { CanaryReport } from '../status/types.ts';
import { CanaryTracker, type CanaryWindowStats } from './canaryTracker.ts';
import { CanaryPostError, postCanary } from './postCanary.ts';
import { CanarySubscriber } from './canarySubscriber.ts';

export interface CanaryOptions {
  settings: CanarySettings;
  pubnub: {
    origin: string;
    ssl: boolean;
    subscribeKey: string;
    userId: string;
    /** Access Manager on: the subscriber signs its requests. */
    signing?: { publishKey: string; secretKey: string } | null;
  };
  broadcasterUrls: readonly string[];
  metrics: HealthMetrics;
  logger: Logger;
  clock: Clock;
}

/** A POST waits at most this long (less when the deadline is shorter). */
const maxPostTimeoutMs = 10_000;

/**
 * The synthetic canary: every interval, one `canary` event through the real
 * pipeline (ingest → outbox → relay → PubNub), received by an SDK
 * subscriber on `user.<canaryUserId>`. Its counters are the delivery SLI,
 * its histogram the end-to-end latency SLI.
 */
export class Canary {
  readonly #options: CanaryOptions;
  readonly #tracker: CanaryTracker;
  #subscriber: CanarySubscriber | null = null;
  readonly #channel: string;
  readonly #posts = new Set<Promise<void>>();
  readonly #rounds: PeriodicTask;
  #running = false;
  #next = 0;
  #counts = { sent: 0, received: 0, lost: 0, late: 0, postFailures: 0 };
  #lastReceivedAt: string | null = null;
  #lastLatencyMs: number | null = null;
  #lastError: string | null = null;

  constructor(options: CanaryOptions) {
    this.#options = options;
    const { settings } = options;
    this.#channel = `user.${settings.userId}`;
    this.#tracker = new CanaryTracker({ deadlineMs: settings.deadlineMs, windowMs: settings.windowMs });
    this.#rounds = new PeriodicTask({
      clock: options.clock,
      intervalMs: settings.intervalMs,
      run: () => this.#tick(),
    });
  }

  get channel(): string {
    return this.#channel;
  }

  start(): void {
    if (this.#running || !this.#options.settings.enabled) return;
    this.#running = true;
    const { logger } = this.#options;
    this.#subscriber = new CanarySubscriber({
      ...this.#options.pubnub,
      channel: this.#channel,
      onArrival: ({ probeId, eventId }) => {
        this.#arrived(probeId, eventId);
      },
      onStateChange: (state, category) => {
        logger.info('canary subscriber', { state, category, channel: this.#channel });
      },
    });
    this.#subscriber.start();
    this.#rounds.start(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#rounds.stop();
    await Promise.allSettled([...this.#posts]);
    this.#subscriber?.stop();
    this.#subscriber = null;
  }

  windowStats(): CanaryWindowStats {
    return this.#tracker.stats(this.#options.clock.monotonic());
  }

  report(): CanaryReport {
    const { settings } = this.#options;
    return {
      enabled: settings.enabled,
      channel: this.#channel,
      subscriber: this.#subscriber?.state ?? 'off',
      ...this.#counts,
      inFlight: this.#tracker.inFlight,
      lastReceivedAt: this.#lastReceivedAt,
      lastLatencyMs: this.#lastLatencyMs,
      lastError: this.#lastError,
    };
  }

  #tick(): void {
    this.#expire();
    const subscriber = this.#subscriber;
    if (!subscriber) return;
    subscriber.ensureConnected();
    // Sent before the first subscription connects, a canary would be missed: not a pipeline fault.
    if (!subscriber.everConnected) return;
    const post = this.#send().finally(() => this.#posts.delete(post));
    this.#posts.add(post);
  }

  async #send(): Promise<void> {
    const { settings, broadcasterUrls, metrics, logger, clock } = this.#options;
    const baseUrl = broadcasterUrls[this.#next % broadcasterUrls.length];
    this.#next += 1;
    if (baseUrl === undefined) return;
    const probeId = randomUUID();
    this.#tracker.sent(probeId, clock.monotonic());
    this.#counts.sent += 1;
    metrics.canarySent.inc();
    this.#updateInFlight();
    try {
      const eventId = await postCanary({
        baseUrl,
        apiToken: settings.apiToken,
        userId: settings.userId,
        probeId,
        sentAt: new Date(clock.now()).toISOString(),
        timeoutMs: Math.min(maxPostTimeoutMs, settings.deadlineMs),
      });
      this.#tracker.accepted(probeId, eventId);
    } catch (err) {
      const reason = err instanceof CanaryPostError ? err.reason : 'unreachable';
      const message = errorMessage(err);
      this.#tracker.failed(probeId);
      this.#counts.postFailures += 1;
      this.#counts.lost += 1;
      this.#lastError = message;
      metrics.canaryPostFailures.inc({ reason });
      metrics.canaryLost.inc();
      this.#updateInFlight();
      logger.warn('canary not accepted by the ingest API', { probeId, reason, ...errorFields(err) });
    }
  }

  #arrived(probeId: string, eventId: string): void {
    const { metrics, logger, clock } = this.#options;
    const receipt = this.#tracker.received(probeId, clock.monotonic());
    if (receipt.kind === 'unknown' || receipt.kind === 'duplicate') return;
    const latencyMs = receipt.latencyMs ?? 0;
    metrics.canaryLatency.observe(latencyMs / 1000);
    this.#lastReceivedAt = new Date(clock.now()).toISOString();
    this.#lastLatencyMs = latencyMs;
    if (receipt.kind === 'received') {
      this.#counts.received += 1;
      metrics.canaryReceived.inc();
    } else {
      this.#counts.late += 1;
      metrics.canaryLate.inc();
      logger.info('canary arrived after its deadline', { probeId, eventId, latencyMs });
    }
    this.#updateInFlight();
  }

  #expire(): void {
    const { metrics, logger, clock, settings } = this.#options;
    const lost = this.#tracker.expire(clock.monotonic());
    if (lost.length === 0) return;
    this.#counts.lost += lost.length;
    metrics.canaryLost.inc(lost.length);
    this.#lastError = `${lost.length} canary event(s) not received within ${settings.deadlineMs} ms`;
    this.#updateInFlight();
    logger.warn('canary lost', {
      count: lost.length,
      deadlineMs: settings.deadlineMs,
      eventIds: lost.map((l) => l.eventId ?? `(not accepted: probe ${l.probeId})`),
    });
  }

  #updateInFlight(): void {
    this.#options.metrics.canaryInFlight.set(this.#tracker.inFlight);
  }
}
