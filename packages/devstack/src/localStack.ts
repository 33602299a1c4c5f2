import { tmpdir } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  migrateUp,
  redactUrl,
  serviceHandleFor,
  startWithReleasers,
  type ServiceHandle,
} from '@sketchyaf/core';
import { developmentAdminToken, loadBroadcasterConfig, startBroadcaster } from '@sketchyaf/broadcaster';
import { loadHealthConfig, startHealth } from '@sketchyaf/health';
import { startPubnubLocal } from '@sketchyaf/pubnub-local';
import { loadTimerMonitorConfig, startTimerMonitor } from '@sketchyaf/timer-monitor';
import { startDemo } from './demo.ts';
import {
  findRedisServer,
  redisServerInstallHint,
  startEmbeddedPostgres,
  startRedisServer,
} from '@sketchyaf/local-servers';
import { startLivePage } from './livePage.ts';
import { developmentPubnubSecretKey, type LocalStackConfig } from './localStackConfig.ts';

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
  // The services' done: one that dies takes the stack down with it, so `npm start` exits 1 saying which.
  const services: [string, Promise<void>][] = [];
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
      print(`postgres       ${redactUrl(databaseUrl)}  (from DATABASE_URL)`);
    }
    const applied = await migrateUp({ databaseUrl });
    print(`migrations     ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`);

    // Redis is optional locally: with it, shard leases run as in production.
    let redisUrl = config.REDIS_URL;
    if (redisUrl === undefined) {
      const binary = await findRedisServer().catch(() => undefined);
      if (binary === undefined) {
        print(
          `redis          not installed: shard leases off, one replica owns every shard (${redisServerInstallHint})`,
        );
      } else {
        const redis = await startRedisServer({ port: config.REDIS_PORT, binary });
        releasers.add('redis-server', () => redis.stop());
        redisUrl = redis.url;
        print(`redis          ${redis.url}  (shard leases)`);
      }
    } else {
      print(`redis          ${redactUrl(redisUrl)}  (from REDIS_URL)`);
    }

    let pubnubOrigin = config.PUBNUB_ORIGIN;
    let pubnubSecretKey = config.PUBNUB_SECRET_KEY;
    if (pubnubOrigin === undefined) {
      pubnubSecretKey ??= developmentPubnubSecretKey;
      const pubnub = await startPubnubLocal({
        port: config.PUBNUB_LOCAL_PORT,
        publishKeys: [config.PUBNUB_PUBLISH_KEY],
        subscribeKeys: [config.PUBNUB_SUBSCRIBE_KEY],
        secretKey: pubnubSecretKey,
      });
      releasers.add('pubnub-local', () => pubnub.stop());
      pubnubOrigin = pubnub.url;
      print(
        `pubnub-local   ${pubnub.url}  (keys ${config.PUBNUB_PUBLISH_KEY} / ${config.PUBNUB_SUBSCRIBE_KEY}, Access Manager on, /admin/stats)`,
      );
    } else {
      print(`pubnub         ${pubnubOrigin}  (from PUBNUB_ORIGIN)`);
    }

    // Runtime control: every service watches one file; `npx sketchyaf-realtime control …` edits it.
    const controlFile = config.CONTROL_FILE ?? join(tmpdir(), 'sketchyaf-realtime', 'control.yaml');
    await mkdir(dirname(controlFile), { recursive: true });
    print(
      `control        ${controlFile}  (export CONTROL_FILE=${controlFile}; npx sketchyaf-realtime control status)`,
    );

    const serviceEnv = {
      ...env,
      CONTROL_FILE: controlFile,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: config.LOG_LEVEL,
      PUBNUB_ORIGIN: pubnubOrigin,
      PUBNUB_PUBLISH_KEY: config.PUBNUB_PUBLISH_KEY,
      PUBNUB_SUBSCRIBE_KEY: config.PUBNUB_SUBSCRIBE_KEY,
      ...(pubnubSecretKey === undefined ? {} : { PUBNUB_SECRET_KEY: pubnubSecretKey }),
      ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    };
    // The live page's browser reads the catch-up API across origins: its origin joins CORS_ORIGINS.
    const livePage = config.DEMO === 'on' ? await startLivePage({ port: config.LIVE_PAGE_PORT }) : undefined;
    if (livePage !== undefined) releasers.add('live page', () => livePage.stop());
    const corsOrigins = [env['CORS_ORIGINS'], livePage?.url].filter((o) => o !== undefined && o !== '');
    const broadcasterConfig = loadBroadcasterConfig({
      ...serviceEnv,
      PORT: String(config.BROADCASTER_PORT),
      ...(corsOrigins.length === 0 ? {} : { CORS_ORIGINS: corsOrigins.join(',') }),
    });
    const broadcaster = await startBroadcaster(broadcasterConfig);
    releasers.add('broadcaster', () => broadcaster.stop());
    services.push(['broadcaster', broadcaster.done]);
    print(
      `broadcaster    ${broadcaster.url}  (POST /v1/events${broadcasterConfig.usingDevelopmentToken ? `, token ${broadcasterConfig.apiTokens.join(', ')}` : ''})`,
    );
    // The development admin token only: a real one is never printed.
    if (broadcasterConfig.adminTokens.includes(developmentAdminToken))
      print(
        `history        npx sketchyaf-realtime history <gameId> --url ${broadcaster.url} --token ${developmentAdminToken}`,
      );

    const timerMonitor = await startTimerMonitor(
      loadTimerMonitorConfig({ ...serviceEnv, PORT: String(config.TIMER_MONITOR_PORT) }),
    );
    releasers.add('timer monitor', () => timerMonitor.stop());
    services.push(['timer monitor', timerMonitor.done]);
    print(`timer-monitor  ${timerMonitor.url}  (/livez /readyz /metrics)`);

    const health = await startHealth(
      loadHealthConfig({
        ...serviceEnv,
        PORT: String(config.HEALTH_PORT),
        BROADCASTER_URLS: broadcaster.url,
        TIMER_MONITOR_URLS: timerMonitor.url,
        CANARY_API_TOKEN: broadcasterConfig.apiTokens[0],
      }),
    );
    releasers.add('health', () => health.stop());
    services.push(['health', health.done]);
    print(`health         ${health.url}  (status page; /api/health)`);
    print(`DATABASE_URL=${databaseUrl}`);

    if (config.DEMO === 'on') {
      print(
        'demo           2 games every 20 s; below, every event a PubNub subscriber (a player token from POST /v1/access-tokens) receives (DEMO=off to skip)',
      );
      const demo = await startDemo({
        databaseUrl,
        pubnubOrigin,
        subscribeKey: config.PUBNUB_SUBSCRIBE_KEY,
        access:
          pubnubSecretKey === undefined || broadcasterConfig.apiTokens[0] === undefined
            ? undefined
            : { broadcasterUrl: broadcaster.url, apiToken: broadcasterConfig.apiTokens[0] },
        print,
      });
      releasers.add('demo', () => demo.stop());
      if (livePage !== undefined) {
        livePage.attach({
          currentGame: () => demo.currentGame(),
          broadcasterUrl: broadcaster.url,
          pubnubOrigin,
          subscribeKey: config.PUBNUB_SUBSCRIBE_KEY,
          grantToken: pubnubSecretKey === undefined ? undefined : broadcasterConfig.apiTokens[0],
        });
        print(
          `live page      ${livePage.url}/  (the demo game in the browser through @sketchyaf/player-client)`,
        );
      }
    }
  });

  const handle = serviceHandleFor(releasers, { onStopped: () => print('stopped') });
  for (const [name, done] of services) {
    done.catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      void handle.fail(new Error(`${name} died: ${reason}`, { cause: err }));
    });
  }
  return handle;
}
