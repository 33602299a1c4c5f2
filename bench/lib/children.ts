import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../..', import.meta.url);

/** Starts `node <args>` and resolves once it prints a line matching `ready`. */
export async function child(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<ChildProcess> {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it exits (open in Chrome DevTools).
  const prof = process.env['BENCH_CPU_PROF'];
  const proc = spawn(process.execPath, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, ...args] : args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (ready.test(seen)) resolve();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${seen.slice(-2000)}`)));
  });
  return proc;
}

/** pubnub-local as a child process on `port` (Access Manager off, as the benches measure publishing). */
export function pubnubLocalChild(port: number): Promise<ChildProcess> {
  return child(['packages/pubnub-local/src/main.ts', '--port', String(port), '--quiet'], {}, /listening on/);
}

export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}
