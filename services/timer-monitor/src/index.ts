export {
  launchTimerMonitor,
  startTimerMonitor,
  type TimerMonitorService,
  type TimerMonitorOverrides,
} from './service.ts';
export { loadTimerMonitorConfig, developmentDatabaseUrl, type TimerMonitorConfig } from './config.ts';
export { TimerMonitor, type TransitionEvent, type TimerMonitorSettings } from './timerMonitor.ts';
export { DeadlineQueue, type Deadline } from './deadlineQueue.ts';
export { advanceBatch, type AdvancedRow } from './gameQueries.ts';
export {
  parseDeadlineNotification,
  deadlineChannel,
  type DeadlineNotification,
} from './deadlineNotification.ts';
export { timerMonitorNodeFlags } from './nodeFlags.ts';
