// Entry point: the only place that reads process.env and handles signals.
import { runMain } from '@sketchyaf/core';
import { loadTimerMonitorConfig } from './config.ts';
import { launchTimerMonitor } from './service.ts';

await runMain(() => launchTimerMonitor(loadTimerMonitorConfig(process.env)), { name: 'timer-monitor' });
