// Entry point: the only place that reads process.env and handles signals.
import { runMain } from '@sketchyaf/core';
import { loadTimerMonitorConfig } from './config.ts';
import { startTimerMonitor } from './service.ts';

await runMain(() => startTimerMonitor(loadTimerMonitorConfig(process.env)), { name: 'timer-monitor' });
