import {
  PeriodicTask,
  errorFields,
  pingDatabase,
  withTimeout,
  type Clock,
  type Logger,
  type Pool,
  type ReadinessCheck,
} from '@sketchyaf/core';
import type { Canary } from './canary/canary.ts';
import type { DeploymentStatusReader } from './checks/deploymentStatus.ts';
import { probePubnubTime } from './checks/httpProbes.ts';
import { timedProbe } from './checks/probe.ts';
import type { RedisPinger } from './checks/redisPing.ts';
import { probeReplicas, type ReplicaProbe } from './checks/replicaProbes.ts';
import type { HealthConfig } from './config.ts';
import type { ControlReport } from './control/controlReport.ts';
import { readOutbox, readOverdueGames } from './healthQueries.ts';
import type { HealthMetrics } from './metrics.ts';
import {
  circuitStateOf,
  postgresReport,
  pubnubReport,
  redisReport,
  replicasReport,
} from './status/components.ts';
import { HistogramWindow, histogramQuantile } from './status/histogram.ts';
import type { IncidentLog } from './status/incidentLog.ts';
import { overallStatus } from './status/overall.ts';
import { gaugeValue, histogramBuckets } from './status/promText.ts';
import { computeSlis } from './status/slis.ts';
import type { ComponentName, ComponentReport, HealthReport, KubernetesReport } from './status/types.ts';

export interface HealthCheckerOptions {
  config: HealthConfig;
  pool: Pool;
  redis: RedisPinger | null;
  /** null outside a cluster; an error text when in a cluster but the API client could not be set up. */
  deployments: DeploymentStatusReader | string | null;
  canary: Canary;
  /** The runtime control operator's last report. */
  control?: () => ControlReport | null;
  incidents: IncidentLog;
  metrics: HealthMetrics;
  logger: Logger;
  clock: Clock;
}

const statusValue = { ok: 0, degraded: 1, down: 2 } as const;

/** Process identity in a scrape, so that two pods behind one Service URL are not mixed up. */
function sourceKey(probe: ReplicaProbe): string {
  const started = probe.samples ? gaugeValue(probe.samples, 'process_start_time_seconds') : undefined;
  return `${probe.url}#${started ?? '?'}`;
}

/**
 * Runs every check on an interval, in parallel and each with a timeout, and
 * keeps the last report: requests read it and never wait for a dependency.
 */
export class HealthChecker {
  readonly #options: HealthCheckerOptions;
  readonly #timerLag: HistogramWindow;
  #latest: HealthReport | null = null;
  readonly #rounds: PeriodicTask;

  constructor(options: HealthCheckerOptions) {
    this.#options = options;
    this.#timerLag = new HistogramWindow(options.config.sliWindowMs);
    this.#rounds = new PeriodicTask({
      clock: options.clock,
      intervalMs: options.config.checkIntervalMs,
      cadence: 'rate',
      run: async () => {
        await this.runOnce();
      },
      onError: (err) => {
        options.logger.error('health check round failed', errorFields(err));
      },
    });
  }

  /** The last completed round; null before the first. */
  get latest(): HealthReport | null {
    return this.#latest;
  }

  start(): void {
    this.#rounds.start(0);
  }

  async stop(): Promise<void> {
    await this.#rounds.stop();
  }

  /** One round of checks; also what the interval runs. */
  async runOnce(): Promise<HealthReport> {
    const report = await this.#check();
    this.#latest = report;
    return report;
  }

  async #check(): Promise<HealthReport> {
    const { config, pool, redis, canary, metrics, clock } = this.#options;
    const timeoutMs = config.checkTimeoutMs;
    const started = clock.monotonic();
    const [ping, outbox, games, redisNodes, pubnubTime, broadcasters, relays, timers, kubernetes] =
      await Promise.all([
        timedProbe(timeoutMs, () => pingDatabase(pool), clock),
        withTimeout(timeoutMs, () => readOutbox(pool), { clock }).catch(() => null),
        withTimeout(timeoutMs, () => readOverdueGames(pool), { clock }).catch(() => null),
        redis ? redis.ping() : Promise.resolve(null),
        probePubnubTime(config.pubnub.originUrl, config.pubnub.userId, timeoutMs),
        probeReplicas(config.broadcasterUrls, timeoutMs),
        probeReplicas(config.relayUrls, timeoutMs, 'relay'),
        probeReplicas(config.timerMonitorUrls, timeoutMs),
        this.#readKubernetes(),
      ]);

    // Relay-only gauges stay at their initial value on ingest-only pods: read relays when there are any.
    const relaying = relays.length > 0 ? relays : broadcasters;
    const circuits = relaying.map((r) => ({
      replica: r.url,
      state: r.samples ? circuitStateOf(gaugeValue(r.samples, 'sketchyaf_realtime_circuit_state')) : null,
    }));
    const toOutcome = (r: ReplicaProbe) => ({
      url: r.url,
      outcome: r.readiness,
      ...(r.role !== undefined ? { role: r.role } : {}),
    });
    const components: Record<ComponentName, ComponentReport> = {
      postgres: postgresReport(ping),
      redis: redisReport(redisNodes),
      pubnub: pubnubReport(pubnubTime, circuits, config.pubnub.originUrl),
      broadcaster: replicasReport([...broadcasters, ...relays].map(toOutcome)),
      'timer-monitor': replicasReport(timers.map(toOutcome)),
    };

    const nowMs = clock.now();
    for (const t of timers) {
      if (!t.samples) continue;
      this.#timerLag.record(
        sourceKey(t),
        nowMs,
        histogramBuckets(t.samples, 'sketchyaf_realtime_timer_lag_seconds'),
      );
    }
    this.#timerLag.forgetStale(nowMs - config.sliWindowMs);
    const lagDelta = this.#timerLag.delta();
    const slis = computeSlis({
      canaryEnabled: config.canary.enabled,
      canary: canary.windowStats(),
      canaryWindowMs: config.sliWindowMs,
      timerLagP99Seconds: histogramQuantile(0.99, lagDelta),
      timerLagObservations: this.#timerLag.count(),
      timerLagWindowMs: config.sliWindowMs,
      outbox,
    });
    const control = this.#options.control?.() ?? null;
    const { status, reasons } = overallStatus({ components, slis, outbox, games, kubernetes, control });
    const checkedAt = new Date(nowMs).toISOString();
    this.#recordIncidents(components, status, reasons, kubernetes, checkedAt);

    for (const [component, report] of Object.entries(components)) {
      if (report.level === 'off') continue;
      metrics.componentUp.set({ component }, report.level === 'down' ? 0 : 1);
    }
    metrics.overallStatus.set(statusValue[status]);
    const durationMs = clock.monotonic() - started;
    metrics.checkDuration.observe(durationMs / 1000);

    return {
      status,
      reasons,
      checkedAt,
      checkDurationMs: Math.round(durationMs),
      components,
      outbox,
      games,
      kubernetes,
      slis,
      canary: canary.report(),
      incidents: this.#options.incidents.list(),
      control,
    };
  }

  async #readKubernetes(): Promise<KubernetesReport> {
    const { deployments, config } = this.#options;
    if (deployments === null) return { inCluster: false, detail: 'not in a cluster' };
    if (typeof deployments === 'string')
      return {
        inCluster: true,
        namespace: config.kubernetes.namespace ?? '(unknown)',
        labelSelector: config.kubernetes.labelSelector,
        level: 'degraded',
        detail: deployments,
        deployments: [],
      };
    return deployments.read();
  }

  #recordIncidents(
    components: Record<ComponentName, ComponentReport>,
    status: HealthReport['status'],
    reasons: readonly string[],
    kubernetes: KubernetesReport,
    at: string,
  ): void {
    const { incidents, logger } = this.#options;
    const changes = [
      ...Object.entries(components).map(([name, r]) => incidents.observe(name, r.level, r.summary, at)),
      kubernetes.inCluster
        ? incidents.observe('kubernetes', kubernetes.level, kubernetes.detail, at)
        : undefined,
      incidents.observe('overall', status, reasons[0] ?? 'all checks pass', at),
    ];
    for (const change of changes) {
      if (!change) continue;
      const fields = { subject: change.subject, from: change.from, to: change.to, detail: change.detail };
      if (change.to === 'up' || change.to === 'ok') logger.info('health changed', fields);
      else logger.warn('health changed', fields);
    }
  }
}

/** Ready once there is a report to serve; never tied to the dependencies it reports on. */
export function checksReadiness(checker: { readonly latest: { checkedAt: string } | null }): ReadinessCheck {
  return {
    name: 'checks',
    check: () =>
      checker.latest
        ? Promise.resolve(`last round ${checker.latest.checkedAt}`)
        : Promise.reject(new Error('the first round of checks has not finished yet')),
  };
}
