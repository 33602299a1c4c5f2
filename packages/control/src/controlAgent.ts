import type { Express } from 'express';
import { errorFields, systemClock, TimeoutError, withTimeout, type Clock } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import type { ControlAcknowledgement } from './acknowledgement.ts';
import type { ControlMetrics } from './controlMetrics.ts';
import type { ControlState } from './controlResource.ts';
import type { ControlSource } from './controlSource.ts';
import { describeSpec, isPaused, pausable, type ControlSpec } from './controlSpec.ts';

/** One effect of the control spec in a service (the relay's limits, the ingest gate, the timer gate). */
export interface ControlApplier {
  readonly name: string;
  /** Puts the spec in force at once: no I/O, no waiting. */
  set(spec: ControlSpec): void;
  /** Resolves once work started under an earlier spec has settled (e.g. publishes in flight). */
  settled?(): Promise<void>;
}

export interface ControlAgentOptions {
  source: ControlSource;
  appliers: readonly ControlApplier[];
  replica: string;
  component: string;
  logger: Logger;
  metrics?: ControlMetrics;
  clock?: Clock;
  /** start() waits at most this long for the source's first read, then goes on with defaults. */
  startTimeoutMs?: number;
}

/**
 * Applies the source's state to a service and remembers what is in force:
 * every applier's `set` runs as soon as the state changes (so a change takes
 * effect within milliseconds of being read), then the agent waits for each
 * `settled` and only then acknowledges that generation on `GET /control`.
 * A newer state overtakes one still settling.
 */
export class ControlAgent {
  readonly #options: ControlAgentOptions;
  readonly #clock: Clock;
  #applied: ControlAcknowledgement['applied'] = null;
  #target: ControlState | undefined;
  #unsubscribe: (() => void) | undefined;
  #settling: Promise<void> | undefined;

  constructor(options: ControlAgentOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts the source (first read included), applies its state and follows it. */
  async start(): Promise<void> {
    const { source } = this.#options;
    this.#unsubscribe = source.subscribe(() => this.#onSource());
    const timeoutMs = this.#options.startTimeoutMs ?? 10_000;
    const first = await withTimeout(timeoutMs, () => source.start().then(() => 'read' as const), {
      clock: this.#clock,
    }).catch((err: unknown) => {
      if (err instanceof TimeoutError) return 'timeout' as const;
      throw err;
    });
    if (first === 'timeout')
      this.#options.logger.warn('no answer from the control source yet; starting with the defaults', {
        source: source.status().location,
        waitedMs: timeoutMs,
      });
    this.#onSource();
    await this.#settling;
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#options.source.stop();
  }

  /** The spec in force (applied, or being applied). */
  get spec(): ControlSpec {
    return (this.#target ?? this.#options.source.current()).spec;
  }

  acknowledgement(): ControlAcknowledgement {
    const { source, replica, component } = this.#options;
    const desired = source.current();
    return {
      replica,
      component,
      source: source.status(),
      desired: { generation: desired.generation, revision: desired.revision },
      applied: this.#applied,
    };
  }

  /** `GET /control`: this replica's acknowledgement (read by the health service and the CLI). */
  routes(app: Express): void {
    app.get('/control', (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(this.acknowledgement());
    });
  }

  #onSource(): void {
    const { source, metrics } = this.#options;
    metrics?.sourceUp.set(source.status().error === null && source.status().synced ? 1 : 0);
    const state = source.current();
    const target = this.#target;
    if (target && target.generation === state.generation && target.revision === state.revision) return;
    this.#apply(state);
  }

  #apply(state: ControlState): void {
    const { appliers, logger, metrics } = this.#options;
    this.#target = state;
    for (const applier of appliers) {
      try {
        applier.set(state.spec);
      } catch (err) {
        logger.error('applying runtime control failed', { applier: applier.name, ...errorFields(err) });
      }
    }
    for (const what of pausable) metrics?.paused.set({ what }, isPaused(state.spec, what) ? 1 : 0);
    logger.info('runtime control applied', {
      generation: state.generation,
      revision: state.revision,
      spec: describeSpec(state.spec),
    });
    const settling = Promise.all(appliers.map((a) => a.settled?.() ?? Promise.resolve())).then(
      () => {
        if (this.#target !== state) return;
        this.#applied = {
          generation: state.generation,
          revision: state.revision,
          at: new Date(this.#clock.now()).toISOString(),
          spec: state.spec,
        };
        metrics?.appliedGeneration.set(state.generation);
      },
      (err: unknown) => {
        logger.error('waiting for runtime control to settle failed', errorFields(err));
      },
    );
    this.#settling = settling;
  }
}
