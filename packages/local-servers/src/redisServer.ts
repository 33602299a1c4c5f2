import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How to get the binary on Debian and Ubuntu (and in .ci/run). */
export const redisServerInstallHint = 'apt-get install -y --no-install-recommends redis-server';

export interface RedisServerOptions {
  port: number;
  /** Path to redis-server; found on PATH (or /usr/bin, /usr/sbin) by default. */
  binary?: string;
  /** Extra `--name value` settings, e.g. `{ maxmemory: '64mb' }`. */
  settings?: Readonly<Record<string, string>>;
  onLog?: (text: string) => void;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Graceful shutdown (SIGTERM; nothing is saved); resolves when the process has exited. Safe twice. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; resolves when the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing, like a hung host. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

/** The redis-server binary, or an error that says how to install it. */
export async function findRedisServer(): Promise<string> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    const candidate = join(dir, 'redis-server');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new Error(`redis-server is not installed; install it with: ${redisServerInstallHint}`);
}

/** Resolves when the server answers PING, or rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = exited();
    if (failure !== undefined) throw new Error(failure);
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A throwaway redis-server on 127.0.0.1: no persistence, its own process
 * group (Ctrl-C in a terminal reaches our shutdown first), killed when this
 * process exits. For tests and local runs; never a system-wide Redis.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = options.binary ?? (await findRedisServer());
  const settings: Record<string, string> = {
    port: String(options.port),
    bind: '127.0.0.1',
    save: '',
    appendonly: 'no',
    dir: tmpdir(),
    daemonize: 'no',
    logfile: '',
    ...options.settings,
  };
  const args = Object.entries(settings).flatMap(([key, value]) => [`--${key}`, value]);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let recent = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString();
    recent = (recent + text).slice(-4000);
    options.onLog?.(text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  const killOnExit = (): void => signal('SIGKILL');
  process.on('exit', killOnExit);

  try {
    await waitForPong(options.port, 10_000, () => {
      if (spawnError) return `redis-server did not start: ${spawnError.message}`;
      if (child.exitCode !== null) return `redis-server exited with ${child.exitCode}:\n${recent}`;
      return undefined;
    });
  } catch (err) {
    killOnExit();
    if (!spawnError) await exited;
    process.off('exit', killOnExit);
    throw err;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start');

  let ending: Promise<void> | undefined;
  const end = (name: NodeJS.Signals): Promise<void> => {
    ending ??= (async () => {
      signal('SIGCONT'); // a paused server cannot act on SIGTERM
      signal(name);
      const force = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
      process.off('exit', killOnExit);
    })();
    return ending;
  };
  return {
    url: `redis://127.0.0.1:${options.port}`,
    port: options.port,
    pid,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
}
