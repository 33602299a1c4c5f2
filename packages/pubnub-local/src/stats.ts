import type { ActiveFaults } from './faults.ts';

/** Counters shown by `GET /admin/stats` and `handle.stats()`. */
export interface Counters {
  /** PubNub API requests; admin requests are not counted. */
  requests: number;
  /** Publishes delivered to subscribers (GET and POST; not fire, not signal). */
  published: number;
  signals: number;
  fires: number;
  presenceEvents: number;
  /** Messages written to history. */
  stored: number;
  subscribePolls: number;
  /** Requests answered 4xx by the protocol itself (bad key, bad input), not by fault injection. */
  rejected: number;
}

export interface FaultCounters {
  /** Requests held back by `latencyMs`. */
  delayed: number;
  /** Injected 500s. */
  errors: number;
  /** Injected 429s. */
  rateLimited: number;
  /** Publishes answered by an injected `rejectPublishes`. */
  publishesRejected: number;
  /** Outage windows started. */
  outages: number;
  /** Connections reset when an outage began. */
  connectionsReset: number;
  /** Deliveries left out of a subscriber's answer (`deliveries.dropRate`). */
  deliveriesDropped: number;
  /** Deliveries sent twice (`deliveries.duplicateRate`). */
  deliveriesDuplicated: number;
  /** Subscribes reset by `cutSubscribers`. */
  subscribesCut: number;
}

export interface Stats {
  startedAt: string;
  listening: boolean;
  openLongPolls: number;
  totals: Counters;
  publishedPerChannel: Record<string, number>;
  signalsPerChannel: Record<string, number>;
  faults: FaultCounters;
  activeFaults: ActiveFaults;
}

export interface StatsRecorder {
  totals: Counters;
  faults: FaultCounters;
  publishedPerChannel: Map<string, number>;
  signalsPerChannel: Map<string, number>;
  reset(): void;
}

function zeroCounters(): Counters {
  return {
    requests: 0,
    published: 0,
    signals: 0,
    fires: 0,
    presenceEvents: 0,
    stored: 0,
    subscribePolls: 0,
    rejected: 0,
  };
}

function zeroFaults(): FaultCounters {
  return {
    delayed: 0,
    errors: 0,
    rateLimited: 0,
    publishesRejected: 0,
    outages: 0,
    connectionsReset: 0,
    deliveriesDropped: 0,
    deliveriesDuplicated: 0,
    subscribesCut: 0,
  };
}

export function createStatsRecorder(): StatsRecorder {
  const recorder: StatsRecorder = {
    totals: zeroCounters(),
    faults: zeroFaults(),
    publishedPerChannel: new Map(),
    signalsPerChannel: new Map(),
    reset() {
      recorder.totals = zeroCounters();
      recorder.faults = zeroFaults();
      recorder.publishedPerChannel.clear();
      recorder.signalsPerChannel.clear();
    },
  };
  return recorder;
}

export function countChannel(map: Map<string, number>, channel: string): void {
  map.set(channel, (map.get(channel) ?? 0) + 1);
}
