import {
  createHttpApp,
  createPool,
  launchService,
  untilStarted,
  type LaunchContext,
  serviceBasics,
  startHttpServer,
  type Clock,
  type Logger,
  type ServiceHandle,
} from '@sketchyaf/core';
import type { Registry } from 'prom-client';
import { Canary } from './canary/canary.ts';
import { checksReadiness, HealthChecker } from './checker.ts';
import { deploymentReader } from './checks/deploymentReader.ts';
import type { KubernetesAccess } from './checks/deploymentStatus.ts';
import { redisPingerFor } from './checks/redisPing.ts';
import type { HealthConfig } from './config.ts';
import { controlParts } from './control/controlParts.ts';
import { ControlOperator } from './control/controlOperator.ts';
import type { ReplicaDiscovery } from './control/replicaTargets.ts';
import { healthRoutes } from './http/healthRoutes.ts';
import { createHealthMetrics, initComponentUp } from './metrics.ts';
import { IncidentLog } from './status/incidentLog.ts';

export interface HealthService extends ServiceHandle {
  /** Resolves once the runtime-control source has been read; rejects if that start failed or was stopped. */
  readonly started: Promise<void>;
  readonly url: string;
  readonly registry: Registry;
  readonly checker: HealthChecker;
  readonly canary: Canary;
  readonly control: ControlOperator;
}

export interface HealthOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Kubernetes API access instead of the in-cluster service account; null: "not in a cluster". */
  kubernetes?: KubernetesAccess | null;
  /** Where the replicas that acknowledge runtime control are found, instead of the config's. */
  controlDiscovery?: ReplicaDiscovery;
}

/**
 * Launches the health service: the checks on an interval, the canary, and the
 * HTTP server (`/`, `/api/health`, `/livez`, `/readyz`, `/metrics`). It starts
 * whatever state its dependencies are in: reporting them is its job. Resolves
 * once the HTTP server answers; the runtime-control source (the Kubernetes API
 * in a cluster) is read after that, so an API that does not answer delays
 * only the control report; `started` resolves once it has been read.
 */
export async function launchHealth(
  config: HealthConfig,
  overrides: HealthOverrides = {},
): Promise<HealthService> {
  const { logger, clock, registry } = serviceBasics('health', config, overrides);
  const metrics = createHealthMetrics(registry);
  initComponentUp(metrics, config.redisUrls !== null);

  type Parts = Pick<HealthService, 'url' | 'checker' | 'canary' | 'control'>;
  const run = async ({ releasers, serving, sequence, fail }: LaunchContext<Parts>): Promise<void> => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'health',
      registry,
      max: 3,
      statementTimeoutMs: config.checkTimeoutMs,
      connectionTimeoutMs: config.checkTimeoutMs,
      logger,
    });
    releasers.add('database pool', () => pool.end());

    const redis = redisPingerFor(config, logger);
    if (redis) releasers.add('redis clients', () => redis.close());

    const deployments = await deploymentReader(config, overrides.kubernetes, logger);

    const canary = new Canary({
      settings: config.canary,
      pubnub: {
        origin: config.pubnub.origin,
        ssl: config.pubnub.ssl,
        subscribeKey: config.pubnub.subscribeKey,
        userId: config.pubnub.userId,
        signing: config.pubnubSigning,
      },
      broadcasterUrls: config.broadcasterUrls,
      metrics,
      logger,
      clock,
    });
    canary.start();
    releasers.add('canary', () => canary.stop());

    const parts = await controlParts(config, overrides, logger, clock);
    const control = new ControlOperator({
      source: parts.source,
      discovery: parts.discovery,
      ...(parts.access && config.control.kind === 'kubernetes'
        ? { statusWriter: { access: parts.access, name: config.control.name } }
        : {}),
      intervalMs: config.controlPollIntervalMs,
      timeoutMs: config.checkTimeoutMs,
      logger,
      clock,
    });
    releasers.add('runtime control operator', () => control.stop());

    const checker = new HealthChecker({
      config,
      pool,
      redis,
      deployments,
      canary,
      control: () => control.latest,
      incidents: new IncidentLog(config.incidentHistory),
      metrics,
      logger,
      clock,
    });
    checker.start();
    releasers.add('health checks', () => checker.stop());

    const app = createHttpApp({
      logger,
      registry,
      readiness: [checksReadiness(checker)],
      routes: healthRoutes({
        latest: () => checker.latest,
        control: () => control.latest,
        environment: config.appEnv,
        runbookBaseUrl: config.runbookBaseUrl,
        now: () => clock.now(),
      }),
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port, onError: fail });
    releasers.add('http server', () => http.stop());
    serving({ url: http.url, checker, canary, control });
    logger.info('health service started', {
      url: http.url,
      canary: config.canary.enabled ? canary.channel : 'off',
      broadcasters: config.broadcasterUrls.length,
      timerMonitors: config.timerMonitorUrls.length,
      kubernetes:
        deployments === null ? 'not in a cluster' : typeof deployments === 'string' ? deployments : 'on',
    });
    // The source is read while the service already reports; its failures show in the control report.
    await sequence.until('runtime control', control.start());
  };
  const launched = await launchService<Parts>({
    name: 'health',
    logger,
    clock,
    registry,
    onStopped: () => logger.info('health service stopped'),
    run,
  });
  const { value, ...handle } = launched;
  return { ...handle, ...value, registry };
}

/** Launches the health service and waits until it has read its runtime-control source (see launchHealth). */
export async function startHealth(
  config: HealthConfig,
  overrides: HealthOverrides = {},
): Promise<HealthService> {
  return untilStarted(launchHealth(config, overrides));
}
