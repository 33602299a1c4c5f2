import {
  errorFields,
  createHttpApp,
  createPool,
  errorMessage,
  launchService,
  untilStarted,
  type LaunchContext,
  serviceBasics,
  startHttpServer,
  type Clock,
  type Logger,
  type ServiceHandle,
} from '@sketchyaf/core';
import { StaticControlSource, type ControlSource } from '@sketchyaf/control';
import { FileControlSource } from '@sketchyaf/control/agent';
import type { Registry } from 'prom-client';
import { Canary } from './canary/canary.ts';
import { HealthChecker } from './checker.ts';
import { DeploymentStatusReader, inClusterAccess, type KubernetesAccess } from './checks/deploymentStatus.ts';
import { RedisPinger } from './checks/redisPing.ts';
import type { HealthConfig } from './config.ts';
import { ControlOperator } from './control/controlOperator.ts';
import { kubernetesDiscovery, staticDiscovery, type ReplicaDiscovery } from './control/replicaTargets.ts';
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

/** The source of the desired state, where replicas are found, and (in a cluster) where status goes. */
async function controlParts(
  config: HealthConfig,
  overrides: HealthOverrides,
  logger: Logger,
  clock: Clock,
): Promise<{ source: ControlSource; discovery: ReplicaDiscovery; access: KubernetesAccess | null }> {
  const urls = staticDiscovery({
    broadcaster: config.broadcasterUrls,
    relay: config.relayUrls,
    'timer-monitor': config.timerMonitorUrls,
  });
  const settings = config.control;
  if (settings.kind === 'static')
    return { source: new StaticControlSource(), discovery: overrides.controlDiscovery ?? urls, access: null };
  if (settings.kind === 'file')
    return {
      source: new FileControlSource({ path: settings.path, resyncMs: settings.resyncMs, logger, clock }),
      discovery: overrides.controlDiscovery ?? urls,
      access: null,
    };
  const access =
    overrides.kubernetes ?? (await inClusterAccess(settings.namespace ?? config.kubernetes.namespace));
  const { KubernetesControlSource } = await import('@sketchyaf/control/kubernetes');
  return {
    source: new KubernetesControlSource({
      kubeConfig: access.kubeConfig,
      namespace: access.namespace,
      name: settings.name,
      resyncMs: settings.resyncMs,
      logger,
      clock,
    }),
    discovery: overrides.controlDiscovery ?? kubernetesDiscovery(access, config.kubernetes.labelSelector),
    access,
  };
}

async function deploymentReader(
  config: HealthConfig,
  overrides: HealthOverrides,
  logger: Logger,
): Promise<DeploymentStatusReader | string | null> {
  const { labelSelector } = config.kubernetes;
  if (overrides.kubernetes !== undefined)
    return (
      overrides.kubernetes &&
      new DeploymentStatusReader(overrides.kubernetes, labelSelector, config.checkTimeoutMs)
    );
  if (!config.kubernetes.inCluster) return null;
  try {
    const access = await inClusterAccess(config.kubernetes.namespace);
    return new DeploymentStatusReader(access, labelSelector, config.checkTimeoutMs);
  } catch (err) {
    logger.warn('cannot use the Kubernetes API; Deployment status will be missing', {
      ...errorFields(err),
    });
    return `cannot use the Kubernetes API: ${errorMessage(err)}`;
  }
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

    let redis: RedisPinger | null = null;
    if (config.redisUrls) {
      const pinger = new RedisPinger(
        config.redisUrls,
        config.checkTimeoutMs,
        (url, err) => {
          logger.debug('redis connection error', {
            node: url.replace(/\/\/[^@]*@/, '//'),
            ...errorFields(err),
          });
        },
        config.redisCaFile,
      );
      redis = pinger;
      releasers.add('redis clients', () => pinger.close());
    }

    const deployments = await deploymentReader(config, overrides, logger);

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
      // Ready once there is a report to serve; never tied to the dependencies it reports on.
      readiness: [
        {
          name: 'checks',
          check: () =>
            checker.latest
              ? Promise.resolve(`last round ${checker.latest.checkedAt}`)
              : Promise.reject(new Error('the first round of checks has not finished yet')),
        },
      ],
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
