import type { ControlAgent } from '@sketchyaf/control/agent';
import {
  createHttpApp,
  createPool,
  errorFields,
  launchService,
  untilStarted,
  type LaunchContext,
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
import type { TimerMonitorConfig } from './config.ts';
import { timerControl, type TimerGate } from './control/timerControl.ts';
import { DatabaseClock } from './databaseClock.ts';
import { createDeadlineListener } from './deadlineListener.ts';
import { monitorSettingsOf } from './monitorSettings.ts';
import { postgresTimerStore } from './timerStore.ts';
import { createTimerMetrics } from './metrics.ts';
import { TimerMonitor } from './timerMonitor.ts';

export interface TimerMonitorService extends ServiceHandle {
  /** Resolves once it has started its work (database answered, deadlines loaded); rejects if that start failed or was stopped. */
  readonly started: Promise<void>;
  readonly monitor: TimerMonitor;
  /** The shard leases when REDIS_URL is set; null when this replica owns every shard. */
  readonly leases: ShardLeases | null;
  readonly url: string;
  readonly registry: Registry;
  /** Runtime control in force (GET /control). */
  readonly control: ControlAgent;
}

export interface TimerMonitorOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
  /** Fixed owned shards (null: every shard) instead of leases, whatever REDIS_URL says. */
  ownedShards?: ReadonlySet<number> | null;
  /** Runtime control from this source instead of the one config.control names. */
  controlSource?: ControlSource;
  /** Kubernetes API access for a RealtimeControl source instead of the pod's service account. */
  kubeConfig?: KubeConfig;
}

/**
 * Launches the timer monitor: resolves once its admin HTTP server (/livez,
 * /readyz, /metrics, /control) answers, which needs no dependency. Then,
 * while /readyz says what it is waiting for, it reads runtime control, waits
 * for PostgreSQL (retrying with back-off), calibrates the database clock,
 * takes its shard leases and loads its deadlines; `started` resolves then.
 */
export async function launchTimerMonitor(
  config: TimerMonitorConfig,
  overrides: TimerMonitorOverrides = {},
): Promise<TimerMonitorService> {
  const { logger, clock, registry } = serviceBasics('timer-monitor', config, overrides);
  const metrics = createTimerMetrics(registry);

  type Parts = Pick<TimerMonitorService, 'monitor' | 'leases' | 'url' | 'control'>;
  const run = async ({ releasers, serving, sequence, fail }: LaunchContext<Parts>): Promise<void> => {
    const pool = createPool({
      connectionString: config.databaseUrl,
      applicationName: 'timer-monitor',
      registry,
      max: config.poolMax,
      statementTimeoutMs: config.statementTimeoutMs,
      queryTimeoutMarginMs: config.database.queryTimeoutMarginMs,
      connectionTimeoutMs: config.database.connectTimeoutMs,
      keepAliveInitialDelayMs: config.database.keepAliveInitialDelayMs,
      // Tells the games trigger who made the change (it skips NOTIFY for our own transitions).
      sessionSettings: { 'sketchyaf.source': 'timer-monitor' },
      logger,
    });
    releasers.add('database pool', () => pool.end());

    // With REDIS_URL, shards come from leases: nothing is owned until the first acquisition.
    const leases =
      overrides.ownedShards === undefined ? leasesFor(config, { logger, registry, clock }) : null;

    const gate: TimerGate = { paused: false };
    const monitorRef: { current?: TimerMonitor } = {};
    const control = await createControlAgent({
      settings: config.control,
      appliers: [timerControl(gate, () => monitorRef.current, clock)],
      component: 'timer-monitor',
      logger,
      registry,
      clock,
      source: overrides.controlSource,
      kubeConfig: overrides.kubeConfig,
    });
    releasers.add('runtime control', () => control.stop());

    const store = postgresTimerStore(pool);
    const databaseClock = new DatabaseClock(clock, () => store.now());
    const monitor = new TimerMonitor({
      store,
      // Without leases every shard is ours: no per-game check at all.
      ...(leases ? { holdsShard: (shard: number) => leases.isValid(shard) } : {}),
      clock,
      databaseClock,
      logger,
      metrics,
      settings: monitorSettingsOf(config),
      gate,
      // Its loop retries every database error; a schema that stays missing ends the service instead.
      schemaMissing: new SchemaMissingWatch({ attempts: config.database.schemaWaitAttempts, onFatal: fail }),
    });
    monitorRef.current = monitor;

    // Anything that changed while it was not listening is picked up on each (re)connect.
    const listener = createDeadlineListener({ config, monitor, metrics, logger, clock });

    const readiness = workerReadiness({
      sequence,
      pool,
      listener: () => listener,
      more: leases ? [leasesReadinessCheck(leases)] : [],
    });

    const app = createHttpApp({
      logger,
      registry,
      readiness,
      routes: (express) => control.routes(express),
    });
    const http = await startHttpServer(app, { host: config.host, port: config.port, onError: fail });
    releasers.add('http server', () => http.stop());
    serving({ monitor, leases, url: http.url, control });
    logger.info('timer monitor serving probes; starting', { address: http.url });

    // Runtime control first: a replica started while paused stays paused.
    await sequence.until('runtime control', control.start());
    // The database clock is what deadlines are compared with: nothing fires before it is known.
    await sequence.retry('database', () => databaseClock.calibrate());
    // Listening once the database answers: its first connect is then immediate, not at the end of its back-off.
    listener.start();
    releasers.add('notification listener', () => listener.stop());

    if (leases) {
      // Taken only once the database answers: a replica that cannot work leaves its shards to others.
      // Added before the monitor, so released after it has stopped working.
      releasers.add('shard leases', () => leases.stop());
      await sequence.until('shard leases', leases.start());
    } else if (overrides.ownedShards === undefined && config.appEnv !== 'development') {
      logger.warn('REDIS_URL is unset: this replica owns every shard; run one replica or set REDIS_URL');
    }
    const onOwned = (owned: ReadonlySet<number>): void => {
      void monitor.setOwnedShards(owned).catch((err: unknown) => {
        logger.warn('loading the games of newly owned shards failed; the sweep retries', {
          ...errorFields(err),
        });
      });
    };
    leases?.on('owned', onOwned);
    releasers.add('timer monitor', async () => {
      leases?.off('owned', onOwned);
      await monitor.stop();
    });
    await sequence.retry('database', () =>
      monitor.start(leases ? leases.owned : (overrides.ownedShards ?? null)),
    );
    logger.info('timer monitor started', {
      url: http.url,
      trackedGames: monitor.trackedGames,
      shards: leases ? `${leases.owned.size} of ${config.shardCount} (leases)` : 'all',
    });
  };
  const launched = await launchService<Parts>({
    name: 'timer-monitor',
    logger,
    clock,
    registry,
    schemaWaitAttempts: config.database.schemaWaitAttempts,
    onStopped: () => logger.info('timer monitor stopped'),
    run,
  });
  const { value, ...handle } = launched;
  return { ...handle, ...value, registry };
}

/** Launches the timer monitor and waits until it has started (see launchTimerMonitor). */
export async function startTimerMonitor(
  config: TimerMonitorConfig,
  overrides: TimerMonitorOverrides = {},
): Promise<TimerMonitorService> {
  return untilStarted(launchTimerMonitor(config, overrides));
}
