// Pure bookkeeping of synthetic canaries: which are in flight, which arrived
// in time, which were lost, and the delivery and latency SLIs over a window.
// Times are monotonic milliseconds supplied by the caller.

export type ReceiptKind = 'received' | 'late' | 'duplicate' | 'unknown';

export interface Receipt {
  kind: ReceiptKind;
  /** Send to receipt; set for `received` and `late`. */
  latencyMs?: number;
}

export interface CanaryWindowStats {
  /** Canaries sent in the window whose fate is known (received in time, or lost). */
  settled: number;
  receivedInTime: number;
  /** receivedInTime / settled; null when nothing has settled yet. */
  deliveryRatio: number | null;
  /** p95 of every receipt in the window, late ones included; null without receipts. */
  latencyP95Ms: number | null;
  inFlight: number;
}

interface Pending {
  sentAtMs: number;
  eventId: string | null;
}

interface Settled {
  sentAtMs: number;
  inTime: boolean;
  latencyMs: number | null;
  eventId: string | null;
}

/** The p-quantile (0..1) of `values` by nearest rank; null when empty. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? null;
}

export class CanaryTracker {
  readonly #deadlineMs: number;
  readonly #windowMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #settled = new Map<string, Settled>();

  constructor(options: { deadlineMs: number; windowMs: number }) {
    this.#deadlineMs = options.deadlineMs;
    this.#windowMs = options.windowMs;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** A canary is about to be posted. */
  sent(probeId: string, atMs: number): void {
    this.#pending.set(probeId, { sentAtMs: atMs, eventId: null });
  }

  /** The ingest API accepted it and named its eventId. */
  accepted(probeId: string, eventId: string): void {
    const pending = this.#pending.get(probeId);
    if (pending) pending.eventId = eventId;
    const settled = this.#settled.get(probeId);
    if (settled) settled.eventId = eventId;
  }

  /** The ingest API refused it or did not answer: lost, without waiting for the deadline. */
  failed(probeId: string): void {
    const pending = this.#pending.get(probeId);
    if (!pending) return;
    this.#pending.delete(probeId);
    this.#settled.set(probeId, { sentAtMs: pending.sentAtMs, inTime: false, latencyMs: null, eventId: null });
  }

  /** The subscriber got a canary. Each probe counts once; repeats (at-least-once delivery) are `duplicate`. */
  received(probeId: string, atMs: number): Receipt {
    const pending = this.#pending.get(probeId);
    if (pending) {
      this.#pending.delete(probeId);
      const latencyMs = Math.max(0, atMs - pending.sentAtMs);
      const inTime = latencyMs <= this.#deadlineMs;
      this.#settled.set(probeId, { sentAtMs: pending.sentAtMs, inTime, latencyMs, eventId: pending.eventId });
      return { kind: inTime ? 'received' : 'late', latencyMs };
    }
    const settled = this.#settled.get(probeId);
    if (!settled) return { kind: 'unknown' };
    if (settled.latencyMs !== null) return { kind: 'duplicate' };
    settled.latencyMs = Math.max(0, atMs - settled.sentAtMs);
    return { kind: 'late', latencyMs: settled.latencyMs };
  }

  /** Settles canaries past their deadline as lost and returns them; also forgets old history. */
  expire(nowMs: number): { probeId: string; eventId: string | null }[] {
    const lost: { probeId: string; eventId: string | null }[] = [];
    for (const [probeId, pending] of this.#pending) {
      if (nowMs - pending.sentAtMs <= this.#deadlineMs) continue;
      this.#pending.delete(probeId);
      this.#settled.set(probeId, {
        sentAtMs: pending.sentAtMs,
        inTime: false,
        latencyMs: null,
        eventId: pending.eventId,
      });
      lost.push({ probeId, eventId: pending.eventId });
    }
    // Kept a deadline longer than the window, so a late arrival is still recognised.
    const horizon = nowMs - this.#windowMs - this.#deadlineMs;
    for (const [probeId, settled] of this.#settled) {
      if (settled.sentAtMs >= horizon) continue;
      this.#settled.delete(probeId);
    }
    return lost;
  }

  stats(nowMs: number): CanaryWindowStats {
    const from = nowMs - this.#windowMs;
    let settled = 0;
    let receivedInTime = 0;
    const latencies: number[] = [];
    for (const s of this.#settled.values()) {
      if (s.sentAtMs < from) continue;
      settled += 1;
      if (s.inTime) receivedInTime += 1;
      if (s.latencyMs !== null) latencies.push(s.latencyMs);
    }
    return {
      settled,
      receivedInTime,
      deliveryRatio: settled === 0 ? null : receivedInTime / settled,
      latencyP95Ms: nearestRank(latencies, 0.95),
      inFlight: this.#pending.size,
    };
  }
}
