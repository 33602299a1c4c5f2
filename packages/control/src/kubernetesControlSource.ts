import {
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { doublingDelay, PeriodicTask, systemClock, type Clock, type TimerHandle } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import {
  controlCollectionPath,
  controlGroup,
  controlPlural,
  controlVersion,
  defaultControlState,
  parseControlDocument,
} from './controlResource.ts';
import { HeldControlSource } from './controlSource.ts';
import { describeKubernetesError } from './kubernetesErrors.ts';

export interface KubernetesControlSourceOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** metadata.name of the RealtimeControl (CONTROL_RESOURCE). */
  name: string;
  /** The informer's cache is re-read this often (CONTROL_RESYNC_MS). */
  resyncMs: number;
  /** First delay before restarting a failed list or watch; doubles up to restartMaxMs. */
  restartBaseMs?: number;
  restartMaxMs?: number;
  logger: Logger;
  clock?: Clock;
}

type ControlObject = KubernetesObject & { spec?: unknown };
type ControlInformer = Informer<ControlObject> & ObjectCache<ControlObject>;

/**
 * The RealtimeControl resource through a @kubernetes/client-node informer
 * (list, then watch from that resourceVersion). The client reconnects a watch
 * that ends or times out, and re-lists on 410 Gone; it gives up on any other
 * error, so this source restarts the informer with a growing delay. The cache
 * is re-read every `resyncMs`. A deleted resource means defaults.
 */
export class KubernetesControlSource extends HeldControlSource {
  readonly kind = 'kubernetes';
  readonly #options: KubernetesControlSourceOptions;
  readonly #clock: Clock;
  readonly #list: () => Promise<KubernetesListObject<ControlObject>>;
  #informer: ControlInformer;
  #running = false;
  #restartTimer: TimerHandle | undefined;
  readonly #resync: PeriodicTask;
  #failures = 0;
  #listed = false;

  constructor(options: KubernetesControlSourceOptions) {
    super('kubernetes', `${options.namespace}/${options.name}`);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#resync = new PeriodicTask({
      clock: this.#clock,
      intervalMs: options.resyncMs,
      run: () => {
        if (this.#listed && this.holder.status.error === null) this.#refresh();
      },
    });
    const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const list = async (): Promise<KubernetesListObject<ControlObject>> => {
      const result = (await api.listNamespacedCustomObject({
        group: controlGroup,
        version: controlVersion,
        namespace: options.namespace,
        plural: controlPlural,
      })) as KubernetesListObject<ControlObject>;
      this.#listed = true;
      return result;
    };
    this.#list = list;
    this.#informer = this.#makeInformer();
  }

  /** A new informer: a restart lists again rather than trusting an old resourceVersion. */
  #makeInformer(): ControlInformer {
    const informer = makeInformer(
      this.#options.kubeConfig,
      controlCollectionPath(this.#options.namespace),
      this.#list,
    );
    const refresh = (): void => {
      if (informer === this.#informer) this.#refresh();
    };
    informer.on('add', refresh);
    informer.on('update', refresh);
    informer.on('delete', refresh);
    // A (re)connect follows a good list or a watch that ended normally.
    informer.on('connect', () => {
      if (this.#listed) refresh();
    });
    informer.on('error', (err: unknown) => {
      if (informer === this.#informer) this.#onError(err);
    });
    return informer;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#resync.start();
    await this.#startInformer();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#restartTimer) this.#clock.clearTimeout(this.#restartTimer);
    await this.#resync.stop();
    this.#restartTimer = undefined;
    await this.#informer.stop();
  }

  async #startInformer(): Promise<void> {
    this.#listed = false;
    try {
      await this.#informer.start();
    } catch (err) {
      this.#onError(err);
      return;
    }
    if (this.#listed) {
      this.#failures = 0;
      this.#refresh();
    }
  }

  /** Reads our resource from the informer's cache. */
  #refresh(): void {
    if (!this.#running) return;
    const { name, namespace, logger } = this.#options;
    const object = this.#informer.get(name, namespace);
    if (!object) {
      this.holder.accept(defaultControlState());
      return;
    }
    const result = parseControlDocument({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { generation: object.metadata?.generation },
      spec: object.spec,
    });
    if (!result.ok) {
      const error = `${namespace}/${name} is invalid: ${result.problems.join('; ')}`;
      if (this.holder.status.error !== error)
        logger.warn('RealtimeControl rejected; keeping the last good state', { error });
      this.holder.fail(error);
      return;
    }
    const before = this.holder.state;
    this.holder.accept(result.state);
    if (this.holder.state !== before)
      logger.info('RealtimeControl changed', {
        resource: `${namespace}/${name}`,
        generation: result.state.generation,
        revision: result.state.revision,
      });
  }

  #onError(err: unknown): void {
    if (!this.#running) return;
    const { logger, restartBaseMs = 1000, restartMaxMs = 30_000 } = this.#options;
    this.#failures += 1;
    const delay = doublingDelay(this.#failures, { baseMs: restartBaseMs, maxMs: restartMaxMs });
    const error = `watching RealtimeControl ${this.holder.status.location} failed: ${describeKubernetesError(err)}`;
    logger.warn('RealtimeControl list or watch failed; restarting the informer', {
      error,
      retryInMs: delay,
    });
    this.holder.fail(error);
    if (this.#restartTimer) this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#running) return;
      void this.#informer.stop();
      this.#informer = this.#makeInformer();
      void this.#startInformer();
    }, delay);
    this.#restartTimer.unref?.();
  }
}
