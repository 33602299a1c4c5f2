import { defaultControlState, type ControlState } from './controlResource.ts';

export type ControlSourceKind = 'file' | 'kubernetes' | 'static';

export interface ControlSourceStatus {
  kind: ControlSourceKind;
  /** The file path, or `<namespace>/<name>` of the resource. */
  location: string;
  /** True once a read succeeded; false while the source has never been read. */
  synced: boolean;
  /** The last problem (unreadable, invalid, API error); null when the last read was good. */
  error: string | null;
}

/**
 * Where the desired runtime state comes from: a watched file outside a
 * cluster, the RealtimeControl resource in one. Consumers read `current()`
 * and are told when it or `status()` changes. An invalid document never
 * replaces the last good state: it shows up as `status().error`.
 *
 * Acknowledgements are not pushed back through the source: each replica
 * serves what it applied on `GET /control` (ControlAgent) and the health
 * service, the operator, collects them (docs/architecture.md).
 */
export interface ControlSource {
  readonly kind: ControlSourceKind;
  /** Starts watching; resolves after the first read, good or not. */
  start(): Promise<void>;
  stop(): Promise<void>;
  current(): ControlState;
  status(): ControlSourceStatus;
  /** Called after every change of the state or the status; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** The bookkeeping every source shares: state, status, listeners. */
export class ControlStateHolder {
  #state: ControlState = defaultControlState();
  #status: ControlSourceStatus;
  readonly #listeners = new Set<() => void>();

  constructor(kind: ControlSourceKind, location: string) {
    this.#status = { kind, location, synced: false, error: null };
  }

  get state(): ControlState {
    return this.#state;
  }

  get status(): ControlSourceStatus {
    return this.#status;
  }

  /** A good read: replaces the state (when different) and clears the error. */
  accept(state: ControlState): void {
    const changed = state.generation !== this.#state.generation || state.revision !== this.#state.revision;
    const statusChanged = !this.#status.synced || this.#status.error !== null;
    if (changed) this.#state = state;
    if (statusChanged) this.#status = { ...this.#status, synced: true, error: null };
    if (changed || statusChanged) this.#notify();
  }

  /** A failed read: the state stays as it was. */
  fail(error: string): void {
    if (this.#status.error === error) return;
    this.#status = { ...this.#status, error };
    this.#notify();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** A source keeping its state in a ControlStateHolder, which answers current(), status() and subscribe(). */
export abstract class HeldControlSource implements ControlSource {
  abstract readonly kind: ControlSourceKind;
  protected readonly holder: ControlStateHolder;

  constructor(kind: ControlSourceKind, location: string) {
    this.holder = new ControlStateHolder(kind, location);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  current(): ControlState {
    return this.holder.state;
  }

  status(): ControlSourceStatus {
    return this.holder.status;
  }

  subscribe(listener: () => void): () => void {
    return this.holder.subscribe(listener);
  }
}

/** No control configured: the defaults, forever (CONTROL_FILE and CONTROL_RESOURCE unset). */
export class StaticControlSource extends HeldControlSource {
  readonly kind = 'static';

  constructor(state?: ControlState) {
    super('static', 'none');
    this.holder.accept(state ?? defaultControlState());
  }

  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
