// Pure histogram arithmetic, as Prometheus does it.

/**
 * The q-quantile of cumulative buckets (upper bound → count), interpolating
 * linearly inside the bucket as `histogram_quantile` does. null without
 * observations. A quantile in the +Inf bucket is the highest finite bound.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0 || sorted.length === 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      if (count === previousCount) return bound;
      return previousBound + ((bound - previousBound) * (rank - previousCount)) / (count - previousCount);
    }
    previousBound = bound === Number.POSITIVE_INFINITY ? previousBound : bound;
    previousCount = count;
  }
  return previousBound;
}

/** Bucket counts of `now` minus those of `before`; null when a count went down (a restart). */
export function bucketDelta(
  now: ReadonlyMap<number, number>,
  before: ReadonlyMap<number, number>,
): Map<number, number> | null {
  const delta = new Map<number, number>();
  for (const [bound, count] of now) {
    const diff = count - (before.get(bound) ?? 0);
    if (diff < 0) return null;
    delta.set(bound, diff);
  }
  return delta;
}

function addInto(target: Map<number, number>, source: ReadonlyMap<number, number>): void {
  for (const [bound, count] of source) target.set(bound, (target.get(bound) ?? 0) + count);
}

/**
 * Snapshots of cumulative histograms from several sources (replicas), kept
 * for `windowMs`, so that a quantile covers recent observations only, like
 * `rate(..._bucket[5m])` does.
 */
export class HistogramWindow {
  readonly #windowMs: number;
  readonly #history = new Map<string, { atMs: number; buckets: Map<number, number> }[]>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records the cumulative buckets a source reported at `atMs`. */
  record(source: string, atMs: number, buckets: ReadonlyMap<number, number>): void {
    let list = this.#history.get(source) ?? [];
    const previous = list.at(-1);
    // Counts went down: another process behind the same name. Start over from here.
    if (previous && bucketDelta(buckets, previous.buckets) === null) list = [];
    list.push({ atMs, buckets: new Map(buckets) });
    // Keep one snapshot at or before the window's start, as the baseline.
    while (list.length > 2 && (list[1]?.atMs ?? atMs) <= atMs - this.#windowMs) list.shift();
    this.#history.set(source, list);
  }

  /** Forgets sources not reported since `beforeMs` (replicas that went away). */
  forgetStale(beforeMs: number): void {
    for (const [source, list] of this.#history) {
      if ((list.at(-1)?.atMs ?? 0) < beforeMs) this.#history.delete(source);
    }
  }

  /**
   * Observations within the window, summed over sources. A source seen only
   * once contributes nothing yet: its counts may cover days.
   */
  delta(): Map<number, number> {
    const sum = new Map<number, number>();
    for (const list of this.#history.values()) {
      const [baseline, latest] = [list[0], list.at(-1)];
      if (!baseline || !latest || list.length < 2) continue;
      const delta = bucketDelta(latest.buckets, baseline.buckets);
      if (delta) addInto(sum, delta);
    }
    return sum;
  }

  /** Observations within the window (the +Inf bucket of the delta). */
  count(): number {
    const delta = this.delta();
    return delta.get(Number.POSITIVE_INFINITY) ?? Math.max(0, ...delta.values());
  }
}
