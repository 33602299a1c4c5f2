/**
 * PubNub timetokens: Unix time in 100 ns units, 17 digits today.
 *
 * The SDK estimates "now" as `${Date.now()}0000` and drops events older than
 * its estimate for subscriptions created mid-loop, so tokens must follow the
 * wall clock; subscribers resume with `tt` and receive everything strictly
 * after it, so tokens must also never repeat. Kept as bigint because 17
 * digits exceed Number's exact range.
 */
export interface TimetokenClock {
  /** A token strictly greater than every token this clock issued before. */
  next(): bigint;
}

const TICKS_PER_MS = 10_000n;

export function createTimetokenClock(nowMs: () => number = Date.now): TimetokenClock {
  let last = 0n;
  return {
    next() {
      const fromWallClock = BigInt(Math.floor(nowMs())) * TICKS_PER_MS;
      last = fromWallClock > last ? fromWallClock : last + 1n;
      return last;
    },
  };
}

const DIGITS = /^\d{1,20}$/;

/** Parses a timetoken query value; undefined when it is not a plain non-negative integer. */
export function parseTimetoken(raw: string): bigint | undefined {
  return DIGITS.test(raw) ? BigInt(raw) : undefined;
}

export function timetokenToMs(tt: bigint): number {
  return Number(tt / TICKS_PER_MS);
}
