// This system's timer monitor, with its production defaults (one replica that
// owns every shard: no Redis leases).
import { createSilentLogger } from '@sketchyaf/core';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import type { ContenderFactory } from './contender.ts';

export const ours: ContenderFactory = (settings, onTransition) => {
  let service: TimerMonitorService | undefined;
  const config = loadTimerMonitorConfig({ DATABASE_URL: settings.databaseUrl, PORT: '0', LOG_LEVEL: 'warn' });
  return {
    description: `timer monitor: deadline heap, NOTIFY + ${config.sweepIntervalMs} ms sweep, batches of ${config.batchSize}, ${config.maxInFlight} in flight (defaults)`,
    async prepare() {
      service = await startTimerMonitor(config, { logger: createSilentLogger('timer-monitor') });
      service.monitor.on('transition', (e) => {
        onTransition(e.deadlineAt, e.lagMs);
      });
    },
    async begin() {
      await service?.monitor.reload();
    },
    async stop() {
      await service?.stop();
    },
  };
};
