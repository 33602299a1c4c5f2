// The stack `npm run load` measures: the one already listening (an `npm start`
// of yours), or else a fresh `npm start` (packages/devstack/src/main.ts, the
// demo off) that it stops at the end. Either way the same code and ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface StackEndpoints {
  broadcasterUrl: string;
  databaseUrl: string;
  pubnubUrl: string;
  subscribeKey: string;
  token: string;
}

export interface Stack extends StackEndpoints {
  /** True when this run started the stack (and stops it). */
  started: boolean;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Targets a running stack when its broadcaster answers /readyz, else starts `npm start`'s. */
export async function useStack(
  env: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void,
  mode: 'auto' | 'target' | 'start',
): Promise<Stack> {
  const endpoints: StackEndpoints = {
    broadcasterUrl: env['BROADCASTER_URL'] ?? 'http://127.0.0.1:8080',
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:54329/sketchyaf',
    pubnubUrl: env['PUBNUB_URL'] ?? 'http://127.0.0.1:8090',
    subscribeKey: env['PUBNUB_SUBSCRIBE_KEY'] ?? 'sub-c-local',
    token: env['API_TOKEN'] ?? 'dev-token-change-me',
  };
  const running = mode !== 'start' && (await answers(`${endpoints.broadcasterUrl}/readyz`));
  if (running) {
    print(
      `stack: targeting the running stack at ${endpoints.broadcasterUrl} (DATABASE_URL ${endpoints.databaseUrl})`,
    );
    return { ...endpoints, started: false, stop: () => Promise.resolve() };
  }
  if (mode === 'target') throw new Error(`no stack answers at ${endpoints.broadcasterUrl}/readyz (--target)`);

  print('stack: none running; starting `npm start` (DEMO=off) and stopping it at the end');
  const proc = spawn(process.execPath, ['packages/devstack/src/main.ts'], {
    cwd: root,
    env: { ...process.env, DEMO: 'off', LOG_LEVEL: env['LOG_LEVEL'] ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const databaseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`npm start did not come up within 180 s:\n${output.slice(-3000)}`));
    }, 180_000);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) {
        if (line.trim() !== '' && !line.startsWith('{')) print(`  npm start | ${line}`);
        const match = /^DATABASE_URL=(\S+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was up:\n${output.slice(-3000)}`));
    });
  });
  return { ...endpoints, databaseUrl, started: true, stop: () => stopChild(proc) };
}
