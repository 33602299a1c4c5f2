import type { TimerMonitorConfig } from './config.ts';
import type { TimerMonitorSettings } from './timerMonitor.ts';

/** The engine's settings from TIMER_* and SHARD_COUNT. */
export function monitorSettingsOf(config: TimerMonitorConfig): TimerMonitorSettings {
  return {
    shardCount: config.shardCount,
    batchSize: config.batchSize,
    maxInFlight: config.maxInFlight,
    sweepIntervalMs: config.sweepIntervalMs,
    fireMarginMs: config.fireMarginMs,
    quarantineRetry: config.quarantineRetry,
  };
}
