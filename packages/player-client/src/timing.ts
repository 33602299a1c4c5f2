/**
 * When to act, as pure functions of the clock's reading: a gap is waited out
 * for a moment (the missing event is often just behind), a failed catch-up is
 * retried with a growing delay, and a quiet game is checked now and then.
 */

/** When a gap opened at `openedAt` is to be filled from the catch-up API. */
export function gapDeadline(openedAt: number, gapWaitMs: number): number {
  return openedAt + gapWaitMs;
}

/**
 * The delay before catch-up attempt `failures + 1`: doubling from `minMs`,
 * at most `maxMs`, and never before the server's `Retry-After`.
 */
export function retryDelay(failures: number, minMs: number, maxMs: number, retryAfterMs?: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const backoff = Math.min(maxMs, minMs * 2 ** exponent);
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** The earliest of the deadlines that are set, or null. */
export function earliest(...deadlines: (number | null)[]): number | null {
  let min: number | null = null;
  for (const d of deadlines) if (d !== null && (min === null || d < min)) min = d;
  return min;
}
