import {
  createHttpApp,
  createPool,
  serviceBasics,
  startHttpServer,
  startWithReleasers,
  type Clock,
  type Logger,
  type ServiceHandle,
} from '@sketchyaf/core';
import type { Registry } from 'prom-client';
import { Canary } from './canary/canary.ts';
import { HealthChecker } from './checker.ts';
import { DeploymentStatusReader, inClusterAccess, type KubernetesAccess } from './checks/deploymentStatus.ts';
import { describeError } from './checks/probe.ts';
import { RedisPinger } from './checks/redisPing.ts';
import type { HealthConfig } from './config.ts';
import { healthRoutes } from './http/healthRoutes.ts';
import { createHealthMetrics, initComponentUp } from './metrics.ts';
import { IncidentLog } from './status/incidentLog.ts';

export interface HealthService extends ServiceHandle {
  readonly url: string;
  readonly registry: Registry;
  readonly checker: HealthChecker;
  readonly canary: Canary;
}

export interface HealthOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Kubernetes API access instead of the in-cluster service account; null: "not in a cluster". */
  kubernetes?: KubernetesAccess | null;
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
      err: describeError(err),
    });
    return `cannot use the Kubernetes API: ${describeError(err)}`;
  }
}

/**
 * Starts the health service: the checks on an interval, the canary, and the
 * HTTP server (`/`, `/api/health`, `/livez`, `/readyz`, `/metrics`). It starts
 * whatever state its dependencies are in: reporting them is its job.
 */
export async function startHealth(
  config: HealthConfig,
  overrides: HealthOverrides = {},
): Promise<HealthService> {
  const { logger, clock, registry } = serviceBasics('health', config, overrides);
  const metrics = createHealthMetrics(registry);
  initComponentUp(metrics, config.redisUrls !== null);

  const { value, releasers } = await startWithReleasers(async (releasers) => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'health',
      max: 3,
      statementTimeoutMs: config.checkTimeoutMs,
      connectionTimeoutMs: config.checkTimeoutMs,
      logger,
    });
    releasers.add('database pool', () => pool.end());

    let redis: RedisPinger | null = null;
    if (config.redisUrls) {
      const pinger = new RedisPinger(config.redisUrls, config.checkTimeoutMs, (url, err) => {
        logger.debug('redis connection error', { node: url.replace(/\/\/[^@]*@/, '//'), err: err.message });
      });
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
      },
      broadcasterUrls: config.broadcasterUrls,
      metrics,
      logger,
      clock,
    });
    canary.start();
    releasers.add('canary', () => canary.stop());

    const checker = new HealthChecker({
      config,
      pool,
      redis,
      deployments,
      canary,
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
        environment: config.appEnv,
        runbookBaseUrl: config.runbookBaseUrl,
        now: () => clock.now(),
      }),
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port });
    releasers.add('http server', () => http.stop());
    logger.info('health service started', {
      url: http.url,
      canary: config.canary.enabled ? canary.channel : 'off',
      broadcasters: config.broadcasterUrls.length,
      timerMonitors: config.timerMonitorUrls.length,
      kubernetes:
        deployments === null ? 'not in a cluster' : typeof deployments === 'string' ? deployments : 'on',
    });
    return { url: http.url, checker, canary };
  });

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  return {
    url: value.url,
    registry,
    checker: value.checker,
    canary: value.canary,
    done,
    stop() {
      stopping ??= releasers.releaseAll().finally(() => {
        logger.info('health service stopped');
        resolveDone();
      });
      return stopping;
    },
  };
}
