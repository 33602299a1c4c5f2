import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateUp, startWithReleasers, type ServiceHandle } from '@sketchyaf/core';
import { loadTimerMonitorConfig, startTimerMonitor } from '@sketchyaf/timer-monitor';
import { startDemo } from './demo.ts';
import { startEmbeddedPostgres } from './embeddedPostgres.ts';
import type { LocalStackConfig } from './localStackConfig.ts';

export interface LocalStackOptions {
  config: LocalStackConfig;
  /** The whole environment, passed on to each service's own config loader. */
  env: Readonly<Record<string, string | undefined>>;
  print: (line: string) => void;
}

/**
 * Everything on loopback: embedded PostgreSQL unless DATABASE_URL is set,
 * migrations, the services, and the demo. Stops in reverse order.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<ServiceHandle> {
  const { config, env, print } = options;
  const { releasers } = await startWithReleasers(async (releasers) => {
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl === undefined) {
      const port = config.EMBEDDED_POSTGRES_PORT;
      const dataDir =
        config.EMBEDDED_POSTGRES_DIR ?? join(tmpdir(), 'sketchyaf-realtime', `postgres-${port}`);
      const server = await startEmbeddedPostgres({ dataDir, port, database: 'sketchyaf' });
      releasers.add('embedded PostgreSQL', () => server.stop());
      databaseUrl = server.url();
      print(`postgres       ${databaseUrl}  (embedded, data in ${dataDir})`);
    } else {
      print(`postgres       ${databaseUrl}  (from DATABASE_URL)`);
    }
    const applied = await migrateUp({ databaseUrl });
    print(`migrations     ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`);

    const serviceEnv = { ...env, DATABASE_URL: databaseUrl, LOG_LEVEL: config.LOG_LEVEL };
    const timerMonitor = await startTimerMonitor(
      loadTimerMonitorConfig({ ...serviceEnv, PORT: String(config.TIMER_MONITOR_PORT) }),
    );
    releasers.add('timer monitor', () => timerMonitor.stop());
    print(`timer-monitor  ${timerMonitor.url}  (/livez /readyz /metrics)`);
    print(`DATABASE_URL=${databaseUrl}`);

    if (config.DEMO === 'on') {
      print('demo           starting 2 games every 20 s; transitions below (DEMO=off to skip)');
      const demo = await startDemo({ databaseUrl, print });
      releasers.add('demo', () => demo.stop());
    }
  });

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  return {
    done,
    stop() {
      stopping ??= releasers.releaseAll().finally(() => {
        print('stopped');
        resolveDone();
      });
      return stopping;
    },
  };
}
