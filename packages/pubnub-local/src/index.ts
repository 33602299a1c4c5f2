export { startPubnubLocal, type PubnubLocalHandle } from './server.ts';
export { InvalidOptionsError, type PubnubLocalOptions, type RecordedRequest } from './options.ts';
export { parseFaultSpec, type ActiveFaults, type FaultSpec, type RateLimitSpec } from './faults.ts';
export type { Stats, Counters, FaultCounters } from './stats.ts';
export type { Logger } from './logger.ts';
