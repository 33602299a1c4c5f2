import type { ChannelMatcher } from './channelMatch.ts';

/**
 * Parked subscribe long-polls. A delivery wakes the polls whose subscription
 * covers the channel; each poll then reads the buffer itself, so a wake is
 * only a hint and a spurious one costs nothing.
 */
export interface Waiter {
  matcher: ChannelMatcher;
  wake(): void;
}

export interface WaiterSet {
  /** Parks a waiter; the returned function unparks it. */
  add(waiter: Waiter): () => void;
  notify(channel: string): void;
  size(): number;
}

export function createWaiterSet(): WaiterSet {
  const waiters = new Set<Waiter>();
  return {
    add(waiter) {
      waiters.add(waiter);
      return () => {
        waiters.delete(waiter);
      };
    },
    notify(channel) {
      for (const waiter of [...waiters]) {
        if (waiter.matcher(channel) !== undefined) waiter.wake();
      }
    },
    size() {
      return waiters.size;
    },
  };
}
