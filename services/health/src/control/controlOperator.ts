import { PeriodicTask, errorFields, errorMessage, type Clock, type Logger } from '@sketchyaf/core';
import {
  controlGroup,
  controlPlural,
  controlVersion,
  describeKubernetesError,
  parseAcknowledgement,
  type ControlSource,
} from '@sketchyaf/control';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubernetesAccess } from '../checks/deploymentStatus.ts';
import {
  controlStatus,
  summarizeControl,
  type Condition,
  type ControlReport,
  type ReplicaAnswer,
  type ReplicaTarget,
} from './controlReport.ts';
import type { ReplicaDiscovery } from './replicaTargets.ts';

export interface ControlOperatorOptions {
  source: ControlSource;
  discovery: ReplicaDiscovery;
  /** Writes the RealtimeControl status in a cluster; absent outside one. */
  statusWriter?: { access: KubernetesAccess; name: string };
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
  clock: Clock;
}

async function readAcknowledgement(target: ReplicaTarget, timeoutMs: number): Promise<ReplicaAnswer> {
  try {
    const res = await fetch(`${target.url}/control`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return { target, error: `GET /control answered ${res.status}` };
    const ack = parseAcknowledgement(await res.json());
    return ack
      ? { target, ack }
      : { target, error: 'GET /control answered something else than an acknowledgement' };
  } catch (err) {
    return { target, error: `unreachable: ${errorMessage(err)}` };
  }
}

/**
 * The operator half of runtime control: reads every replica's `/control`
 * (on an interval, and at once when the desired state changes), keeps the
 * report the status page, `/api/control` and the CLI read, and in a cluster
 * writes it to the RealtimeControl's `status` subresource when it changes.
 */
export class ControlOperator {
  readonly #options: ControlOperatorOptions;
  #latest: ControlReport | null = null;
  // Rounds on the interval, and one at once on a desired-state change (runNow coalesces them).
  readonly #rounds: PeriodicTask;
  #unsubscribe: (() => void) | undefined;
  #written = '';
  #conditions: Condition[] = [];
  readonly #api: CustomObjectsApi | undefined;

  constructor(options: ControlOperatorOptions) {
    this.#options = options;
    this.#api = options.statusWriter?.access.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#rounds = new PeriodicTask({
      clock: options.clock,
      intervalMs: options.intervalMs,
      run: () => this.#runRound(),
      onError: (err) => {
        this.#options.logger.warn('runtime control round failed', errorFields(err));
      },
    });
  }

  get latest(): ControlReport | null {
    return this.#latest;
  }

  async start(): Promise<void> {
    this.#rounds.start();
    this.#unsubscribe = this.#options.source.subscribe(() => this.poll());
    await this.#options.source.start();
    this.poll();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#rounds.stop();
    await this.#options.source.stop();
  }

  /** One round now (coalesced with a round in progress). */
  poll(): void {
    this.#rounds.runNow();
  }

  async #runRound(): Promise<void> {
    const { source, discovery, timeoutMs, clock } = this.#options;
    const desired = source.current();
    let targets: ReplicaTarget[] = [];
    let discoveryError: string | null = null;
    try {
      targets = await discovery.targets();
    } catch (err) {
      discoveryError = describeKubernetesError(err);
    }
    const answers = await Promise.all(targets.map((t) => readAcknowledgement(t, timeoutMs)));
    const report = summarizeControl({
      desired,
      source: source.status(),
      answers,
      discoveryError,
      now: clock.now(),
    });
    this.#latest = report;
    if (this.#options.statusWriter && desired.generation > 0) await this.#writeStatus(report);
  }

  async #writeStatus(report: ControlReport): Promise<void> {
    const writer = this.#options.statusWriter;
    if (!writer || !this.#api) return;
    const status = controlStatus(report, this.#conditions);
    const serialized = JSON.stringify(status);
    if (serialized === this.#written) return;
    try {
      await this.#api.patchNamespacedCustomObjectStatus(
        {
          group: controlGroup,
          version: controlVersion,
          namespace: writer.access.namespace,
          plural: controlPlural,
          name: writer.name,
          body: { status },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.#written = serialized;
      this.#conditions = status.conditions;
    } catch (err) {
      this.#options.logger.warn('writing the RealtimeControl status failed', {
        resource: `${writer.access.namespace}/${writer.name}`,
        cause: describeKubernetesError(err),
        ...errorFields(err),
      });
    }
  }
}
