import type { Incident, Level, OverallStatus } from './types.ts';

type State = Level | OverallStatus;

const healthy: ReadonlySet<State> = new Set<State>(['up', 'ok', 'off']);

/**
 * The last `capacity` state changes of components (a ring buffer, in memory:
 * a restart forgets them; Prometheus keeps the long history). The first
 * observation of a subject is recorded only when it is not healthy.
 */
export class IncidentLog {
  readonly #capacity: number;
  readonly #ring: Incident[] = [];
  #next = 0;
  readonly #last = new Map<string, State>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** Records a change of `subject` to `state`; returns the incident when one was recorded. */
  observe(subject: string, state: State, detail: string, at: string): Incident | undefined {
    const previous = this.#last.get(subject);
    this.#last.set(subject, state);
    if (previous === state) return undefined;
    if (previous === undefined && healthy.has(state)) return undefined;
    const incident: Incident = { at, subject, from: previous ?? 'unknown', to: state, detail };
    if (this.#ring.length < this.#capacity) this.#ring.push(incident);
    else this.#ring[this.#next] = incident;
    this.#next = (this.#next + 1) % this.#capacity;
    return incident;
  }

  /** Newest first. */
  list(): Incident[] {
    const ordered = [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return ordered.reverse();
  }
}
