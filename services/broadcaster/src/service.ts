import type { ControlAgent } from '@sketchyaf/core';
import {
  createHttpApp,
  createPool,
  leasesReadinessCheck,
  NotificationListener,
  pingDatabase,
  serviceBasics,
  serviceHandleFor,
  leasesFor,
  startControlAgent,
  type ShardLeases,
  startHttpServer,
  startWithReleasers,
  type Clock,
  type ControlSource,
  type KubeConfig,
  type Logger,
  type ReadinessCheck,
  type ServiceHandle,
} from '@sketchyaf/core';
import type { Registry } from 'prom-client';
import type { BroadcasterConfig } from './config.ts';
import { IngestGate, relayControl } from './control/broadcasterControl.ts';
import { RelayLimits } from './control/relayLimits.ts';
import { adminRoutes } from './http/adminRoutes.ts';
import { ingestRoutes } from './http/ingestRoutes.ts';
import { DeliveryWaiters } from './ingest/deliveryWaiters.ts';
import { OutboxWriter } from './ingest/outboxWriter.ts';
import { createBroadcasterMetrics } from './metrics.ts';
import { OutboxHousekeeping } from './relay/outboxHousekeeping.ts';
import { OutboxRelay } from './relay/outboxRelay.ts';
import { createPubnubPublisher, type Publisher } from './relay/pubnubPublisher.ts';

export const outboxChannel = 'realtime_outbox';

export interface BroadcasterService extends ServiceHandle {
  readonly url: string;
  readonly registry: Registry;
  readonly relay: OutboxRelay;
  /** The relay's shard leases when REDIS_URL is set and the relay runs; null: it owns every shard. */
  readonly leases: ShardLeases | null;
  /** Runtime control in force (GET /control). */
  readonly control: ControlAgent;
}

export interface BroadcasterOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Replaces the PubNub SDK publisher (e.g. to count calls). */
  publisher?: Publisher;
  /** Fixed owned shards (null: every shard) instead of leases, whatever REDIS_URL says. */
  ownedShards?: ReadonlySet<number> | null;
  /** Runtime control from this source instead of the one config.control names. */
  controlSource?: ControlSource;
  /** Kubernetes API access for a RealtimeControl source instead of the pod's service account. */
  kubeConfig?: KubeConfig;
}

/** Starts the ingest API, the outbox relay and their housekeeping. */
export async function startBroadcaster(
  config: BroadcasterConfig,
  overrides: BroadcasterOverrides = {},
): Promise<BroadcasterService> {
  const { logger, clock, registry } = serviceBasics('broadcaster', config, overrides);
  const metrics = createBroadcasterMetrics(registry);
  const owned = overrides.ownedShards ?? null;

  const { value, releasers } = await startWithReleasers(async (releasers) => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'broadcaster',
      max: config.poolMax,
      statementTimeoutMs: config.statementTimeoutMs,
      queryTimeoutMarginMs: config.database.queryTimeoutMarginMs,
      connectionTimeoutMs: config.database.connectTimeoutMs,
      keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
      logger,
    });
    releasers.add('database pool', () => pool.end());
    await pingDatabase(pool);

    const publisher =
      overrides.publisher ??
      createPubnubPublisher({
        ...config.pubnub,
        timeoutMs: config.relay.publishTimeoutMs,
        rateLimitDefaultMs: config.relay.rateLimitDefaultMs,
        maxSockets: config.relay.concurrency,
      });
    releasers.add('pubnub publisher', () => publisher.close());

    // With REDIS_URL, the relay's shards come from leases: nothing is owned until the first acquisition.
    const leases =
      overrides.ownedShards === undefined && config.relay.enabled
        ? leasesFor(config, { logger, registry, clock })
        : null;
    const limits = new RelayLimits(config.relay.concurrency, clock.now());
    const ingestGate = new IngestGate();
    const relay = new OutboxRelay({
      pool,
      publisher,
      logger,
      metrics,
      clock,
      settings: { ...config.relay, shardCount: config.shardCount },
      ...(leases ? { holdsShard: (shard: number) => leases.isValid(shard) } : {}),
      limits,
    });
    // Runtime control is in force before the relay claims anything: a replica started while paused stays paused.
    const control = await startControlAgent({
      settings: config.control,
      appliers: [
        ingestGate,
        ...(config.relay.enabled
          ? [
              relayControl({
                limits,
                relay,
                clock,
                logger,
                settleTimeoutMs: config.relay.publishTimeoutMs + 5000,
              }),
            ]
          : []),
      ],
      component: config.relay.enabled ? 'ingest+relay' : 'ingest',
      logger,
      registry,
      clock,
      source: overrides.controlSource,
      kubeConfig: overrides.kubeConfig,
    });
    releasers.add('runtime control', () => control.stop());

    const waiters = new DeliveryWaiters(pool, logger);
    relay.on('delivered', (delivery) => waiters.notify(delivery));
    releasers.add('delivery waiters', () => waiters.close());

    const housekeeping = new OutboxHousekeeping(pool, logger, metrics, {
      ...config.relay,
      shardCount: config.shardCount,
    });
    // Backlog gauges and pruning follow the relay's shards, so replicas do not count them twice.
    housekeeping.start(leases ? leases.owned : owned);
    releasers.add('outbox housekeeping', () => housekeeping.stop());

    let listener: NotificationListener | undefined;
    if (config.relay.enabled) {
      if (leases) {
        await leases.start();
        // Added before the relay, so released after it has stopped publishing.
        releasers.add('shard leases', () => leases.stop());
      } else if (overrides.ownedShards === undefined && config.appEnv !== 'development') {
        logger.warn('REDIS_URL is unset: this relay owns every shard; run one replica or set REDIS_URL');
      }
      const onOwned = (shards: ReadonlySet<number>): void => {
        relay.setOwnedShards(shards);
        housekeeping.setOwnedShards(shards);
      };
      leases?.on('owned', onOwned);
      relay.start(leases ? leases.owned : owned);
      releasers.add('outbox relay', async () => {
        leases?.off('owned', onOwned);
        await relay.stop();
      });
      listener = new NotificationListener({
        connectionString: config.databaseUrl,
        channel: outboxChannel,
        applicationName: 'broadcaster-listener',
        logger,
        clock,
        heartbeatMs: config.database.listenHeartbeatMs,
        connectTimeoutMs: config.database.connectTimeoutMs,
        keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
        onNotification: () => relay.wake(),
        onConnected: () => {
          metrics.listenerConnected.set(1);
          relay.databaseBack();
        },
        onDisconnected: () => metrics.listenerConnected.set(0),
      });
      listener.start();
      releasers.add('notification listener', () => listener?.stop());
      const poll = setInterval(() => relay.wake(), config.relay.pollIntervalMs);
      poll.unref();
      releasers.add('relay poll', () => clearInterval(poll));
    }

    const writer = new OutboxWriter({
      pool,
      logger,
      metrics,
      maxWaitMs: config.ingest.commitWaitMs,
      maxEvents: config.ingest.commitMaxEvents,
      maxInFlight: config.ingest.commitMaxInFlight,
      queueTimeoutMs: config.ingest.commitQueueTimeoutMs,
      clock,
    });
    releasers.add('outbox writer', () => writer.drain());

    const readiness: ReadinessCheck[] = [
      { name: 'database', check: () => pingDatabase(pool), timeoutMs: 1500 },
      {
        name: 'notifications',
        check: () =>
          !listener || listener.connected
            ? Promise.resolve(undefined)
            : Promise.reject(new Error('LISTEN connection is down')),
      },
    ];
    if (leases) readiness.push(leasesReadinessCheck(leases));

    const app = createHttpApp({
      logger,
      registry,
      readiness,
      routes: (express) => {
        // Responses are small and never cached: skip computing ETags.
        express.set('etag', false);
        express.use(
          '/v1',
          ingestRoutes({
            apiTokens: config.apiTokens,
            corsOrigins: config.corsOrigins,
            batchBodyLimitBytes: config.ingest.batchBodyLimitBytes,
            readOnly: () => ingestGate.readOnly(),
            writer,
            waiters,
            metrics,
          }),
        );
        express.use(
          '/admin',
          adminRoutes({ pool, adminTokens: config.adminTokens, onRedrive: () => relay.wake() }),
        );
        control.routes(express);
      },
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port });
    releasers.add('http server', () => http.stop());
    logger.info('broadcaster started', {
      url: http.url,
      relay: config.relay.enabled ? 'on' : 'off',
      shards: leases ? `leases (${config.shardCount} shards)` : 'all',
      pubnubOrigin: config.pubnub.origin,
      ...(config.usingDevelopmentToken ? { developmentToken: config.apiTokens[0] } : {}),
    });
    return { url: http.url, relay, leases, control };
  });

  return {
    ...serviceHandleFor(releasers, () => logger.info('broadcaster stopped')),
    url: value.url,
    registry,
    relay: value.relay,
    leases: value.leases,
    control: value.control,
  };
}
