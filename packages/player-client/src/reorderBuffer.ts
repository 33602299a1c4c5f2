import type { GameEvent } from './envelope.ts';

/**
 * Puts a game's events back in `sequence` order. `delivered` is the last
 * sequence handed to the application with every one before it; an event
 * ahead of `delivered + 1` waits in `pending` until the ones before it come.
 * Anything at or below `delivered`, or already pending, is a repeat: that is
 * what makes delivery exactly-once, since a repeat carries the same sequence.
 */
export interface ReorderBuffer {
  readonly delivered: number;
  readonly pending: ReadonlyMap<number, GameEvent>;
}

export type OfferOutcome =
  /** `released`: the events now deliverable, in order (the offered one first). */
  | { kind: 'released'; events: GameEvent[] }
  | { kind: 'buffered' }
  | { kind: 'repeat' }
  /** The buffer is full and this event is beyond all it holds: dropped, a catch-up brings it again. */
  | { kind: 'overflow' };

export function emptyBuffer(delivered = 0): ReorderBuffer {
  return { delivered, pending: new Map() };
}

function maxKey(pending: ReadonlyMap<number, GameEvent>): number {
  let max = -Infinity;
  for (const key of pending.keys()) if (key > max) max = key;
  return max;
}

/** `buffer` after `event` arrived, and what that released. `maxPending` bounds the memory a long gap takes. */
export function offer(
  buffer: ReorderBuffer,
  event: GameEvent,
  maxPending: number,
): { buffer: ReorderBuffer; outcome: OfferOutcome } {
  const { sequence } = event;
  if (sequence <= buffer.delivered || buffer.pending.has(sequence))
    return { buffer, outcome: { kind: 'repeat' } };
  if (sequence > buffer.delivered + 1) {
    const pending = new Map(buffer.pending);
    if (pending.size >= maxPending) {
      const highest = maxKey(pending);
      if (sequence > highest) return { buffer, outcome: { kind: 'overflow' } };
      // Keep the nearest events: they are the ones released first.
      pending.delete(highest);
    }
    pending.set(sequence, event);
    return { buffer: { delivered: buffer.delivered, pending }, outcome: { kind: 'buffered' } };
  }
  const events = [event];
  let delivered = sequence;
  let pending: Map<number, GameEvent> | ReadonlyMap<number, GameEvent> = buffer.pending;
  if (pending.has(delivered + 1)) {
    const rest = new Map(pending);
    for (let next = rest.get(delivered + 1); next !== undefined; next = rest.get(delivered + 1)) {
      rest.delete(next.sequence);
      events.push(next);
      delivered = next.sequence;
    }
    pending = rest;
  }
  return { buffer: { delivered, pending }, outcome: { kind: 'released', events } };
}

/** Whether a sequence is known to be missing: something waits beyond it. */
export function hasGap(buffer: ReorderBuffer): boolean {
  return buffer.pending.size > 0;
}
