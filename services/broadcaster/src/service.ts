import type { ControlAgent } from '@sketchyaf/control/agent';
import type { NotificationListener } from '@sketchyaf/core';
import {
  createHttpListener,
  createPool,
  launchService,
  untilStarted,
  type LaunchContext,
  PeriodicTask,
  pingDatabase,
  requireRelations,
  SchemaMissingWatch,
  serviceBasics,
  startHttpServer,
  workerReadiness,
  type Clock,
  type Logger,
  type ServiceHandle,
} from '@sketchyaf/core';
import { leasesReadinessCheck, leasesFor, type ShardLeases } from '@sketchyaf/leases';
import { type ControlSource } from '@sketchyaf/control';
import { createControlAgent, type KubeConfig } from '@sketchyaf/control/agent';
import type { Registry } from 'prom-client';
import type { BroadcasterConfig } from './config.ts';
import { IngestGate, relayControl } from './control/broadcasterControl.ts';
import { ClientRateLimits } from './auth/clientRateLimits.ts';
import { RelayLimits } from './control/relayLimits.ts';
import { accessTokenRoutes } from './http/accessTokenRoutes.ts';
import { adminRoutes } from './http/adminRoutes.ts';
import { historyRoutes } from './http/historyRoutes.ts';
import { ingestRoutes, unauthenticatedClient } from './http/ingestRoutes.ts';
import { openapiRoute } from './http/openapiRoute.ts';
import { DeliveryWaiters } from './ingest/deliveryWaiters.ts';
import { startLoopLagMeter } from './ingest/loopLag.ts';
import { overloadGate } from './http/overloadGate.ts';
import { OutboxWriter } from './ingest/outboxWriter.ts';
import { createBroadcasterMetrics } from './metrics.ts';
import { OutboxHousekeeping } from './relay/outboxHousekeeping.ts';
import { createOutboxListener } from './relay/outboxListener.ts';
import { OutboxRelay } from './relay/outboxRelay.ts';
import { postgresOutboxStore } from './relay/outboxStore.ts';
import type { Publisher } from './relay/publisher.ts';
import { relayPublisherFor } from './relay/relayPublisher.ts';
import { createAccessParts } from './access/accessParts.ts';
import { writerSettingsOf } from './ingest/writerSettings.ts';
import { gameEventsRoutes } from './http/gameEventsRoutes.ts';

/** What ingest and the relay write and read: without them every request and every claim would fail. */
const broadcasterRelations = ['games', 'realtime_outbox', 'realtime_ingest_keys', 'realtime_relays'];

export interface BroadcasterService extends ServiceHandle {
  /** Resolves once it has started (database answered, relay running); rejects if that start failed or was stopped. */
  readonly started: Promise<void>;
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
  /** Replaces the publisher RELAY_PUBLISHER names (e.g. to count calls). */
  publisher?: Publisher;
  /** Fixed owned shards (null: every shard) instead of leases, whatever REDIS_URL says. */
  ownedShards?: ReadonlySet<number> | null;
  /** Runtime control from this source instead of the one config.control names. */
  controlSource?: ControlSource;
  /** Kubernetes API access for a RealtimeControl source instead of the pod's service account. */
  kubeConfig?: KubeConfig;
}

/**
 * Launches the broadcaster: resolves once its HTTP server answers (/livez,
 * /readyz, /metrics; ingest answers 503 + Retry-After meanwhile). Then, while
 * /readyz says what it is waiting for, it reads runtime control and waits for
 * PostgreSQL (retrying with back-off); ingest opens once the database answers,
 * and the relay starts after its shard leases; `started` resolves then.
 */
export async function launchBroadcaster(
  config: BroadcasterConfig,
  overrides: BroadcasterOverrides = {},
): Promise<BroadcasterService> {
  const { logger, clock, registry } = serviceBasics('broadcaster', config, overrides);
  const metrics = createBroadcasterMetrics(registry);
  const owned = overrides.ownedShards ?? null;

  type Parts = Pick<BroadcasterService, 'url' | 'relay' | 'leases' | 'control'>;
  const run = async ({ releasers, serving, sequence, fail }: LaunchContext<Parts>): Promise<void> => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'broadcaster',
      registry,
      max: config.poolMax,
      statementTimeoutMs: config.statementTimeoutMs,
      queryTimeoutMarginMs: config.database.queryTimeoutMarginMs,
      connectionTimeoutMs: config.database.connectTimeoutMs,
      keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
      logger,
    });
    releasers.add('database pool', () => pool.end());

    const publisher = overrides.publisher ?? relayPublisherFor(config, clock);
    releasers.add('pubnub publisher', () => publisher.close());

    const { granter, playerCredentials } = createAccessParts(config, clock);
    if (granter) releasers.add('pubnub token granter', () => granter.close());
    if (playerCredentials) releasers.add('player credentials', () => playerCredentials.close());

    // With REDIS_URL, the relay's shards come from leases: nothing is owned until the first acquisition.
    const leases =
      overrides.ownedShards === undefined && config.relay.enabled
        ? leasesFor(config, { logger, registry, clock })
        : null;
    const limits = new RelayLimits(config.relay.concurrency, clock.now());
    const ingestGate = new IngestGate();
    const relay = new OutboxRelay({
      store: postgresOutboxStore(pool),
      publisher,
      logger,
      metrics,
      clock,
      settings: { ...config.relay, shardCount: config.shardCount },
      ...(leases ? { holdsShard: (shard: number) => leases.isValid(shard) } : {}),
      limits,
      // Its claims retry every database error; a schema that stays missing ends the service instead.
      schemaMissing: new SchemaMissingWatch({ attempts: config.database.schemaWaitAttempts, onFatal: fail }),
    });
    const control = await createControlAgent({
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

    const waiters = new DeliveryWaiters(pool, logger, undefined, clock);
    relay.on('delivered', (delivery) => waiters.notify(delivery));
    releasers.add('delivery waiters', () => waiters.close());

    // 100 ticks/s cost nothing; 5 late ticks in a row are a backlog (~0.1-0.2 s to see one), fewer a pause
    // (idle on the loaded 2-core VM: ticks up to 80 ms late, the least of 5 in a row ≤ 10 ms).
    const loopLag = startLoopLagMeter(clock, { intervalMs: 10, ticks: 5 });
    releasers.add('loop lag meter', () => loopLag.stop());
    const writer = new OutboxWriter({
      pool,
      logger,
      metrics,
      ...writerSettingsOf(config.ingest),
      loopLagMs: () => loopLag.lagMs(),
      clock,
    });
    releasers.add('outbox writer', () => writer.drain());

    let listener: NotificationListener | undefined;
    let ingestOpen = false;
    const readiness = workerReadiness({
      sequence,
      pool,
      listener: () => listener,
      more: leases ? [leasesReadinessCheck(leases)] : [],
    });

    const app = createHttpListener({
      gate: overloadGate({
        refusal: () => (ingestOpen ? writer.refusal(1) : null),
        onRefused: (rejection) =>
          metrics.ingestRejected.inc({ reason: rejection.reason, client: unauthenticatedClient }),
      }),
      logger,
      registry,
      readiness,
      routes: (express) => {
        // Responses are small and never cached: skip computing ETags.
        express.set('etag', false);
        express.use(openapiRoute());
        express.use(
          '/v1',
          ingestRoutes({
            clients: config.clients,
            rateLimits: new ClientRateLimits(),
            now: () => clock.monotonic(),
            corsOrigins: config.corsOrigins,
            batchBodyLimitBytes: config.ingest.batchBodyLimitBytes,
            readOnly: () => ingestGate.readOnly(),
            starting: () => !ingestOpen,
            writer,
            waiters,
            metrics,
          }),
        );
        express.use('/v1', accessTokenRoutes({ clients: config.clients, granter, logger }));
        express.use('/v1', historyRoutes({ pool, clients: config.clients }));
        express.use(
          '/v1',
          gameEventsRoutes({
            pool,
            clients: config.clients,
            playerCredentials,
            // Bounded: one bucket per player token would otherwise grow with every grant.
            rateLimits: new ClientRateLimits({ maxBuckets: 100_000 }),
            corsOrigins: config.corsOrigins,
            now: () => clock.now(),
            monotonic: () => clock.monotonic(),
          }),
        );
        express.use('/admin', adminRoutes({ pool, clients: config.clients, onRedrive: () => relay.wake() }));
        control.routes(express);
      },
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port, onError: fail });
    releasers.add('http server', () => http.stop());
    serving({ url: http.url, relay, leases, control });
    logger.info('broadcaster serving probes; starting', { address: http.url });

    // Runtime control is in force before ingest opens or the relay claims anything:
    // a replica started while paused stays paused.
    await sequence.until('runtime control', control.start());
    await sequence.retry('database', () => pingDatabase(pool));
    await sequence.retry('database schema', () => requireRelations(pool, broadcasterRelations));
    ingestOpen = true;

    const housekeeping = new OutboxHousekeeping(
      pool,
      logger,
      metrics,
      {
        ...config.relay,
        shardCount: config.shardCount,
        idempotencyRetentionMs: config.ingest.idempotencyRetentionMs,
      },
      clock,
    );
    if (config.relay.enabled) {
      if (leases) {
        // Taken only once the database answers: a replica that cannot work leaves its shards to others.
        // Added before the relay, so released after it has stopped publishing.
        releasers.add('shard leases', () => leases.stop());
        await sequence.until('shard leases', leases.start());
      } else if (overrides.ownedShards === undefined && config.appEnv !== 'development') {
        logger.warn('REDIS_URL is unset: this relay owns every shard; run one replica or set REDIS_URL');
      }
    }
    // Backlog gauges and pruning follow the relay's shards, so replicas do not count them twice.
    housekeeping.start(leases ? leases.owned : owned);
    releasers.add('outbox housekeeping', () => housekeeping.stop());

    if (config.relay.enabled) {
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
      listener = createOutboxListener({ config, relay, metrics, logger, clock });
      listener.start();
      releasers.add('notification listener', () => listener?.stop());
      const poll = new PeriodicTask({
        clock,
        intervalMs: config.relay.pollIntervalMs,
        run: () => relay.wake(),
      });
      poll.start();
      releasers.add('relay poll', () => poll.stop());
    }

    // On stop, ingest closes first (requests in flight finish, their writes commit) while the relay
    // still publishes; the http server and writer releasers added earlier are then no-ops.
    releasers.add('ingest', async () => {
      await http.stop();
      await writer.drain();
    });
    logger.info('broadcaster started', {
      url: http.url,
      relay: config.relay.enabled ? 'on' : 'off',
      shards: leases ? `leases (${config.shardCount} shards)` : 'all',
      pubnubOrigin: config.pubnub.origin,
      ...(config.usingDevelopmentToken ? { developmentToken: config.apiTokens[0] } : {}),
    });
  };
  const launched = await launchService<Parts>({
    name: 'broadcaster',
    logger,
    clock,
    registry,
    schemaWaitAttempts: config.database.schemaWaitAttempts,
    onStopped: () => logger.info('broadcaster stopped'),
    run,
  });
  const { value, ...handle } = launched;
  return { ...handle, ...value, registry };
}

/** Launches the broadcaster and waits until it has started (see launchBroadcaster). */
export async function startBroadcaster(
  config: BroadcasterConfig,
  overrides: BroadcasterOverrides = {},
): Promise<BroadcasterService> {
  return untilStarted(launchBroadcaster(config, overrides));
}
