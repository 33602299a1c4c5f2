import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '@sketchyaf/testkit';
import { metricValue } from '../../services/broadcaster/test/helpers.ts';

export type ReplicaKind = 'timer-monitor' | 'broadcaster';

export const replicaKinds: readonly ReplicaKind[] = ['timer-monitor', 'broadcaster'];

export interface ReplicaProcess {
  kind: ReplicaKind;
  child: ChildProcess;
  url: string;
  /** The last lines the process wrote, for a failure message. */
  recentOutput(): string;
  /** Its last warn and error log lines: what went wrong during a fault, for FAULTS_VERBOSE. */
  warnings(): readonly string[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const keptOutputChars = 8000;
const keptWarnings = 300;

/** Starts `node services/<kind>/src/main.ts` with `env`; resolves with its admin URL (from its start log). */
export function spawnReplica(kind: ReplicaKind, env: Record<string, string>): Promise<ReplicaProcess> {
  const start = Promise.withResolvers<ReplicaProcess>();
  const warnings: string[] = [];
  let started = false;
  const { child, output } = spawnNode([`${root}services/${kind}/src/main.ts`], {
    env,
    keepChars: keptOutputChars,
    onLine: (line) => {
      if (/"level":"(warn|error)"/.test(line)) {
        warnings.push(line);
        if (warnings.length > keptWarnings) warnings.shift();
      }
      const url = started ? undefined : /"url":"(http:\/\/[^"]+)"/.exec(line)?.[1];
      if (url === undefined) return;
      started = true;
      clearTimeout(timer);
      start.resolve({ kind, child, url, recentOutput: output, warnings: () => warnings });
    },
  });
  const timer = setTimeout(() => {
    start.reject(new Error(`${kind} did not start: ${output()}`));
  }, 20_000);
  child.once('exit', (code) => {
    if (!started) start.reject(new Error(`${kind} exited with ${String(code)}: ${output()}`));
  });
  return start.promise;
}

/** The shards a replica holds, from its /metrics; 0 when it does not answer. */
export async function shardsOwned(replica: ReplicaProcess): Promise<number> {
  try {
    const text = await (await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(500) })).text();
    const match = /^sketchyaf_realtime_shards_owned(?:\{[^}]*\})? (\d+)/m.exec(text);
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function totalOwned(replicas: readonly ReplicaProcess[]): Promise<number> {
  return (await Promise.all(replicas.map(shardsOwned))).reduce((a, b) => a + b, 0);
}

export function killAll(replicas: readonly ReplicaProcess[]): void {
  for (const r of replicas) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }
}

/** A replica's /metrics text; undefined when it does not answer in time. */
async function metricsText(replica: ReplicaProcess, timeoutMs: number): Promise<string | undefined> {
  try {
    return await (await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
  } catch {
    return undefined;
  }
}

/** One sample of a metric from a replica's /metrics; undefined when absent or when it does not answer. */
export async function replicaMetric(
  replica: ReplicaProcess,
  name: string,
  labels = '',
): Promise<number | undefined> {
  const text = await metricsText(replica, 1000);
  return text === undefined ? undefined : metricValue(text, name, labels);
}

/** The replica's lease coordination mode from its /metrics (`redis` or `postgres`); undefined when it does not say. */
export async function leaseMode(replica: ReplicaProcess): Promise<string | undefined> {
  const text = await metricsText(replica, 500);
  return text === undefined
    ? undefined
    : /^sketchyaf_realtime_lease_mode\{[^}]*mode="(redis|postgres)"[^}]*\} 1$/m.exec(text)?.[1];
}
