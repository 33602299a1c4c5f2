import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateUp } from '@sketchyaf/core';
import {
  createTestDatabase,
  freePort,
  startEmbeddedPostgres,
  startTestRedisServer,
  startTestRedisServers,
  type RedisServer,
} from '@sketchyaf/testkit';

/** A server the replicas reach at a fixed URL, which a fault can stop and start again. */
export interface ServerUnderTest {
  readonly url: string;
  /** Stops the server, as in a restart or a crash of its host; connections are cut. */
  stop(): Promise<void>;
  /** SIGKILL, a crash with no shutdown at all, where the server allows it; otherwise stop(). */
  kill(): Promise<void>;
  /** Starts it again on the same port (and, for PostgreSQL, the same data). */
  start(): Promise<void>;
  /** Stops it for good and removes what it left behind. */
  dispose(): Promise<void>;
}

/** A running server that `startAgain` brings back on the same port; `cleanUp` runs after the last stop. */
interface Stoppable {
  stop(): Promise<void>;
  kill?(): Promise<void>;
}

function restartable(
  url: string,
  first: Stoppable,
  startAgain: () => Promise<Stoppable>,
  cleanUp: () => Promise<void> = () => Promise.resolve(),
): ServerUnderTest {
  let server: Stoppable | undefined = first;
  const stop = async (): Promise<void> => {
    await server?.stop();
    server = undefined;
  };
  return {
    url,
    stop,
    async kill() {
      await (server?.kill ? server.kill() : server?.stop());
      server = undefined;
    },
    async start() {
      server ??= await startAgain();
    },
    async dispose() {
      await stop();
      await cleanUp();
    },
  };
}

export async function startRedisUnderTest(): Promise<ServerUnderTest> {
  const server: RedisServer | undefined = (await startTestRedisServers(1))[0];
  if (!server) throw new Error('no Redis server started');
  const { url, port } = server;
  // The port was ours a moment ago; nothing else on this loopback asks for a fixed port.
  return restartable(url, server, () => startTestRedisServer(port));
}

const noStop = (what: string) => (): Promise<void> =>
  Promise.reject(new Error(`${what} is shared by the whole run; ask for a dedicated one to stop it`));

/** A database on the run's shared PostgreSQL (cloned from the migrated template); it cannot be stopped. */
export async function sharedDatabaseUnderTest(): Promise<ServerUnderTest> {
  const db = await createTestDatabase();
  return {
    url: db.url,
    stop: noStop('the test PostgreSQL'),
    kill: noStop('the test PostgreSQL'),
    start: noStop('the test PostgreSQL'),
    dispose: () => db.drop(),
  };
}

/**
 * A PostgreSQL server of its own, migrated, for a scenario that restarts it:
 * the run's shared server (the mocha global fixture) cannot be restarted from
 * a test file. Same throwaway settings as the fixture's.
 */
export async function dedicatedPostgresUnderTest(): Promise<ServerUnderTest> {
  const options = {
    dataDir: join(tmpdir(), `sketchyaf-faults-pg-${process.pid}`),
    port: await freePort(),
    database: 'sketchyaf',
    settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off', max_connections: '300' },
  };
  await rm(options.dataDir, { recursive: true, force: true });
  const server = await startEmbeddedPostgres(options);
  const url = server.url();
  await migrateUp({ databaseUrl: url });
  return restartable(
    url,
    server,
    () => startEmbeddedPostgres(options),
    () => rm(options.dataDir, { recursive: true, force: true }),
  );
}
