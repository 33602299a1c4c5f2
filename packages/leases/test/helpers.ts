import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { waitFor } from '@sketchyaf/testkit';
import { createMetricsRegistry, createSilentLogger } from '@sketchyaf/core';
import { ShardLeases, type ShardLeasesOptions } from '../src/index.ts';

export const ttlMs = 1000;

export function testPrefix(): string {
  return `test:${randomBytes(4).toString('hex')}`;
}

export interface Replica {
  leases: ShardLeases;
  registry: Registry;
}

/** Starts ShardLeases instances and stops whatever is still running at the end of a test. */
export class Replicas {
  readonly #all: ShardLeases[] = [];
  readonly #children: ChildProcessWithoutNullStreams[] = [];
  /** The database of the lease rows (a migrated test database). */
  readonly #databaseUrl: string;

  constructor(databaseUrl: string) {
    this.#databaseUrl = databaseUrl;
  }

  async start(
    options: Pick<ShardLeasesOptions, 'prefix' | 'shardCount'> & {
      urls: readonly string[];
    } & Partial<ShardLeasesOptions>,
  ): Promise<Replica> {
    const registry = createMetricsRegistry({ service: 'lease-test', collectDefaults: false });
    const leases = new ShardLeases({
      ttlMs,
      logger: createSilentLogger('lease-test'),
      registry,
      redis: { urls: options.urls },
      postgres: { url: this.#databaseUrl },
      ...options,
    });
    this.#all.push(leases);
    await leases.start();
    return { leases, registry };
  }

  /** A replica in its own process, for crashes (SIGKILL) that skip every clean-up. */
  async startProcess(prefix: string, shardCount: number, urls: readonly string[]): Promise<ProcessReplica> {
    const script = fileURLToPath(new URL('./replicaProcess.ts', import.meta.url));
    const child = spawn(process.execPath, [
      script,
      prefix,
      String(shardCount),
      String(ttlMs),
      this.#databaseUrl,
      ...urls,
    ]);
    this.#children.push(child);
    const replica: ProcessReplica = { child, owned: new Set() };
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === 'started') resolve();
          else replica.owned = new Set(JSON.parse(line) as number[]);
        }
      });
      child.once('exit', (code) => reject(new Error(`replica process exited with ${String(code)}`)));
    });
    return replica;
  }

  async stopAll(): Promise<void> {
    for (const child of this.#children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(this.#all.map((l) => l.stop()));
  }
}

export interface ProcessReplica {
  child: ChildProcessWithoutNullStreams;
  owned: ReadonlySet<number>;
}

/**
 * Once settled: every shard owned by exactly one replica, each owning its
 * target, counts differing by at most one. Throws at once if two replicas
 * ever own the same shard (that would be a safety failure, not a wait).
 */
export function settled(owners: readonly ReadonlySet<number>[], shardCount: number): boolean {
  const seen = new Set<number>();
  for (const owned of owners) {
    for (const shard of owned) {
      if (seen.has(shard)) throw new Error(`shard ${shard} owned by two replicas at once`);
      seen.add(shard);
    }
  }
  const counts = owners.map((o) => o.size);
  return seen.size === shardCount && Math.max(...counts) - Math.min(...counts) <= 1;
}

/** Waits until `owners()` is a fair settlement of `shardCount` shards (polled every 10 ms). */
export async function waitSettled(
  what: string,
  owners: () => readonly ReadonlySet<number>[],
  shardCount: number,
  timeoutMs: number,
  also: () => boolean = () => true,
): Promise<void> {
  await waitFor(what, () => (settled(owners(), shardCount) && also() ? true : undefined), {
    intervalMs: 10,
    timeoutMs,
  });
}

/**
 * Waits until every replica has completed `rounds` more lease rounds than it
 * had when called: "the others had their chance to act on what just changed".
 */
export async function waitRounds(
  what: string,
  replicas: readonly Replica[],
  rounds: number,
  timeoutMs: number,
): Promise<void> {
  const from = replicas.map((r) => r.leases.status().rounds);
  await waitFor(
    what,
    () => (replicas.every((r, i) => r.leases.status().rounds >= (from[i] ?? 0) + rounds) ? true : undefined),
    { intervalMs: 10, timeoutMs },
  );
}

export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
}

/** A TCP proxy to a Redis server that can be cut (connections dropped and refused) and restored. */
export class CuttableProxy {
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

export interface OwnershipFigures {
  samples: number;
  /** Samples in which some shard was valid on no replica. */
  unowned: number;
}

/**
 * Samples every 5 ms which replicas hold each shard validly (isValid: the
 * check work does before a side effect) and throws from stop()/snapshot()
 * if two ever did at the same instant.
 */
export function watchOwnership(
  replicas: readonly Replica[],
  shardCount: number,
): { snapshot(): OwnershipFigures; stop(): OwnershipFigures } {
  let samples = 0;
  let unowned = 0;
  const doubles: string[] = [];
  const timer = setInterval(() => {
    samples += 1;
    let missing = false;
    for (let shard = 0; shard < shardCount; shard += 1) {
      const holders = replicas.filter((r) => r.leases.isValid(shard)).length;
      if (holders > 1) doubles.push(`shard ${shard} valid on ${holders} replicas at sample ${samples}`);
      if (holders === 0) missing = true;
    }
    if (missing) unowned += 1;
  }, 5);
  const snapshot = (): OwnershipFigures => {
    if (doubles.length > 0) throw new Error(`owned twice: ${doubles.slice(0, 5).join('; ')}`);
    return { samples, unowned };
  };
  return {
    snapshot,
    stop: () => {
      clearInterval(timer);
      return snapshot();
    },
  };
}
