/** What the write queue holds when a request asks to join it. */
export interface QueueState {
  /** Events admitted and not yet answered: waiting for a group, being written, or retrying a busy game. */
  events: number;
  /** Requests admitted and not yet answered. */
  requests: number;
  /**
   * The standing wait for a group commit beyond the group's wait for company:
   * the least of the last groups' and the current oldest request's (see
   * GroupCommitter.standingWaitMs); 0 when none waits.
   */
  standingWaitMs: number;
  /** How far behind the event loop runs (requests wait unseen in socket buffers meanwhile). */
  loopLagMs: number;
}

export interface AdmissionLimits {
  /** INGEST_QUEUE_MAX_EVENTS. */
  maxEvents: number;
  /**
   * INGEST_QUEUE_MAX_REQUESTS: single-event requests cost the process more
   * than their events cost the database; answered at its rate, this many
   * waiting is as long as a request may wait (Little's law).
   */
  maxRequests: number;
  /** INGEST_QUEUE_MAX_WAIT_MS: a queue standing this long is full whatever its size. */
  maxWaitMs: number;
  /** INGEST_MAX_LOOP_LAG_MS: a process this far behind is full whatever its queue. */
  maxLoopLagMs: number;
}

export type QueueLimit = 'events' | 'requests' | 'wait' | 'loop_lag';

export type Admission = { admit: true } | { admit: false; limit: QueueLimit; retryAfterSeconds: number };

/**
 * A full queue drains within milliseconds once the load drops, and
 * Retry-After is whole seconds: one is the shortest honest answer.
 */
export const overloadRetryAfterSeconds = 1;

/**
 * Whether a request of `events` events may join the write queue. Refusing
 * costs its caller one retry; admitting past the bound costs every admitted
 * request its latency. An empty queue admits any request, so a batch larger
 * than the bound is never refused for its size alone.
 */
export function admission(state: QueueState, events: number, limits: AdmissionLimits): Admission {
  const refuse = (limit: QueueLimit): Admission => ({
    admit: false,
    limit,
    retryAfterSeconds: overloadRetryAfterSeconds,
  });
  if (state.loopLagMs > limits.maxLoopLagMs) return refuse('loop_lag');
  if (state.standingWaitMs > limits.maxWaitMs) return refuse('wait');
  if (state.events > 0 && state.events + events > limits.maxEvents) return refuse('events');
  if (state.requests >= limits.maxRequests) return refuse('requests');
  return { admit: true };
}
