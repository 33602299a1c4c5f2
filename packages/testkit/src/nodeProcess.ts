import { spawn, type ChildProcess } from 'node:child_process';

export interface NodeProcess {
  child: ChildProcess;
  /** The last characters of stdout and stderr, interleaved as they came: for assertions and failure reports. */
  output: () => string;
  /** The exit code; null when a signal ended the process. */
  exited: Promise<number | null>;
}

export interface NodeProcessOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** How much output `output()` keeps (default 8000 characters). */
  keepChars?: number;
  /** Called with each complete line of stdout or stderr. */
  onLine?: (line: string) => void;
}

/**
 * `node <args>` with this process's Node, stdout and stderr piped and kept:
 * the services' main.ts, the CLI, replicas that a test kills with SIGKILL.
 */
export function spawnNode(args: readonly string[], options: NodeProcessOptions = {}): NodeProcess {
  const { env = {}, keepChars = 8000, onLine } = options;
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let kept = '';
  const partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString();
    kept = (kept + text).slice(-keepChars);
    if (onLine === undefined) return;
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => kept, exited };
}
