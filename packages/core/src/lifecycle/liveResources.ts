/**
 * Long-lived resources in this process (services, database pools, LISTEN
 * connections, HTTP servers), so that a test run can fail the test that left
 * one running instead of hanging at the end. Cheap enough for production: an
 * entry per start, removed at stop (or found dead the next time anyone looks).
 */
export interface LiveResource {
  /** e.g. `service`, `database pool`, `notification listener`, `http server`. */
  readonly kind: string;
  /** Which one: the service, the pool's application name, the channel, the URL. */
  readonly name: string;
  /** Increases with every registration: what was started after a given moment (see resourceMark). */
  readonly seq: number;
}

interface Entry extends LiveResource {
  readonly isLive: () => boolean;
}

const entries = new Set<Entry>();
let lastSeq = 0;

/**
 * Registers a resource until the returned function is called, or until
 * `isLive` says it is gone (for resources whose end we do not wrap).
 */
export function trackResource(kind: string, name: string, isLive: () => boolean = () => true): () => void {
  lastSeq += 1;
  const entry: Entry = { kind, name, seq: lastSeq, isLive };
  entries.add(entry);
  return () => {
    entries.delete(entry);
  };
}

/** The current position: resources started from now on have a larger `seq`. */
export function resourceMark(): number {
  return lastSeq;
}

/** Resources still running, optionally only those registered after `mark`, oldest first. */
export function liveResources(mark = 0): LiveResource[] {
  const live: LiveResource[] = [];
  for (const entry of entries) {
    if (!entry.isLive()) entries.delete(entry);
    else if (entry.seq > mark) live.push({ kind: entry.kind, name: entry.name, seq: entry.seq });
  }
  return live;
}
