import { strict as assert } from 'node:assert';
import { loadTimerMonitorConfig } from '../src/index.ts';
import { monitorSettingsOf } from '../src/monitorSettings.ts';

describe('timer monitor settings', () => {
  it('come from TIMER_* and SHARD_COUNT', () => {
    const config = loadTimerMonitorConfig({ TIMER_BATCH_SIZE: '17', TIMER_MAX_IN_FLIGHT: '2' });
    assert.deepEqual(monitorSettingsOf(config), {
      shardCount: config.shardCount,
      batchSize: 17,
      maxInFlight: 2,
      sweepIntervalMs: config.sweepIntervalMs,
      fireMarginMs: config.fireMarginMs,
      quarantineRetry: config.quarantineRetry,
    });
  });
});
