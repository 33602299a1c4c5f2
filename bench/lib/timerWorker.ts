// Child process of the timer comparison and scale benchmarks: runs one
// contender, so that its CPU and memory are its own. Driven over IPC:
//   parent -> {cmd:'begin'}   (games started)     -> {event:'ready'}
//   parent -> {cmd:'mark'}    (measuring window)  -> {event:'marked'}
//   parent -> {cmd:'collect'}                     -> {event:'report', ...} (since the mark)
//   parent -> {cmd:'stop'}                        -> exits
// argv: <contender> <settings as JSON>
import type { ContenderFactory, ContenderSettings } from './contenders/contender.ts';
import { memoryOf } from './procStats.ts';

/**
 * Loaded on demand: a worker loads its own contender's code only, so that
 * its memory is not also the other contenders' libraries (BullMQ and pg-boss
 * with their dependencies are tens of MiB of RSS).
 */
export const contenders: Record<string, () => Promise<ContenderFactory>> = {
  ours: async () => (await import('./contenders/ours.ts')).ours,
  cron: async () => (await import('./contenders/cron.ts')).cron,
  bullmq: async () => (await import('./contenders/bullmq.ts')).bullmq,
  pgboss: async () => (await import('./contenders/pgBoss.ts')).pgBoss,
};

export type WorkerCommand = { cmd: 'begin' } | { cmd: 'mark' } | { cmd: 'collect' } | { cmd: 'stop' };

export type WorkerEvent =
  | { event: 'prepared'; description: string }
  | { event: 'ready' }
  | { event: 'marked' }
  | {
      event: 'report';
      /** [deadline epoch ms, lag ms] of every transition since the mark. */
      transitions: [number, number][];
      cpuSeconds: number;
      seconds: number;
      rss: number;
      rssPeak: number;
      heapUsed: number;
    };

const send = (e: WorkerEvent): void => {
  process.send?.(e);
};

const [name = '', settingsJson = '{}'] = process.argv.slice(2);
const load = contenders[name];
if (!load) {
  console.error(`unknown contender ${name}; known: ${Object.keys(contenders).join(', ')}`);
  process.exit(2);
}
const factory = await load();
const settings = JSON.parse(settingsJson) as ContenderSettings;
let transitions: [number, number][] = [];
const contender = factory(settings, (deadline, lag) => {
  transitions.push([deadline, lag]);
});
await contender.prepare();
send({ event: 'prepared', description: contender.description });

let cpuMark = process.cpuUsage();
let timeMark = performance.now();
let rssPeak = 0;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 200);

process.on('message', (message: WorkerCommand) => {
  void (async () => {
    switch (message.cmd) {
      case 'begin':
        await contender.begin();
        send({ event: 'ready' });
        break;
      case 'mark':
        transitions = [];
        cpuMark = process.cpuUsage();
        timeMark = performance.now();
        rssPeak = process.memoryUsage.rss();
        send({ event: 'marked' });
        break;
      case 'collect': {
        const cpu = process.cpuUsage(cpuMark);
        const mem = memoryOf(process.pid);
        send({
          event: 'report',
          transitions,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          seconds: (performance.now() - timeMark) / 1000,
          rss: mem.rss,
          rssPeak: Math.max(rssPeak, mem.rss),
          heapUsed: process.memoryUsage().heapUsed,
        });
        break;
      }
      case 'stop':
        clearInterval(sampler);
        await contender.stop();
        process.disconnect();
        process.exit(0);
    }
  })().catch((err: unknown) => {
    console.error(`timer worker (${name}):`, err);
    process.exit(1);
  });
});
