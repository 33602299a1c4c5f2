/** RELAY_CONCURRENCY and RELAY_BURST_CONCURRENCY (not above RELAY_CONCURRENCY, e.g. 0: off). */
export interface SlotSettings {
  concurrency: number;
  burstConcurrency: number;
}

/**
 * Publishes the relay may have in flight. Steady traffic needs few
 * (2,000 events/s at a 1 ms round trip keep 2 busy); a burst of thousands of
 * games is bound by round trips: at 30 ms to PubNub, 128 in flight cap the
 * relay at ~4,000 publishes/s, so 5,000 events of one instant take over a
 * second. While more games wait than `concurrency` allows, up to
 * `burstConcurrency` go at once. A lower runtime limit (an operator's
 * RealtimeControl, or 0 while paused) always holds.
 */
export function publishSlots(
  settings: SlotSettings,
  state: { runtimeLimit: number; inFlight: number; readyKeys: number },
): number {
  if (state.runtimeLimit < settings.concurrency) return state.runtimeLimit;
  const waiting = state.inFlight + state.readyKeys;
  return waiting > settings.concurrency
    ? Math.max(settings.concurrency, settings.burstConcurrency)
    : settings.concurrency;
}
