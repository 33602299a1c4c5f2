// The parent's side of timerWorker.ts: spawn, send commands, await events.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContenderSettings } from './contenders/contender.ts';
import type { WorkerCommand, WorkerEvent } from './timerWorker.ts';

export type Report = Extract<WorkerEvent, { event: 'report' }>;

export interface TimerWorker {
  readonly pid: number;
  readonly description: string;
  begin(): Promise<void>;
  mark(): Promise<void>;
  collect(): Promise<Report>;
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL('./timerWorker.ts', import.meta.url));

/** `nodeFlags`: the Node/V8 flags the contender runs with in production (ours: timerMonitorNodeFlags). */
export async function startTimerWorker(
  name: string,
  settings: ContenderSettings,
  nodeFlags: readonly string[] = [],
): Promise<TimerWorker> {
  const child: ChildProcess = fork(entry, [name, JSON.stringify(settings)], {
    execArgv: [...process.execArgv, ...nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <E extends WorkerEvent['event']>(event: E): Promise<Extract<WorkerEvent, { event: E }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: WorkerEvent): void => {
        if (m.event !== event) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<WorkerEvent, { event: E }>);
      };
      const onExit = (code: number | null): void => {
        child.off('message', onMessage);
        reject(new Error(`timer worker ${name} exited (${code}) while waiting for ${event}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const command = (c: WorkerCommand): void => {
    child.send(c);
  };
  const prepared = await next('prepared');
  return {
    pid: child.pid ?? Number.NaN,
    description: prepared.description,
    async begin() {
      const ready = next('ready');
      command({ cmd: 'begin' });
      await ready;
    },
    async mark() {
      const marked = next('marked');
      command({ cmd: 'mark' });
      await marked;
    },
    async collect() {
      const report = next('report');
      command({ cmd: 'collect' });
      return report;
    },
    async stop() {
      if (child.exitCode !== null) return;
      command({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
