import { systemClock, type Clock } from '../clock.ts';
import type { AppEnv, LogLevel } from '../config/loadConfig.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { createMetricsRegistry } from '../metrics/registry.ts';
import type { Registry } from 'prom-client';

export interface BasicOverrides {
  logger?: Logger;
  clock?: Clock;
  registry?: Registry;
}

/**
 * Logger (readable in development, JSON otherwise), clock and metrics registry
 * of a service, each replaced by the caller's when given (tests inject theirs).
 */
export function serviceBasics(
  service: string,
  config: { appEnv: AppEnv; logLevel: LogLevel },
  overrides: BasicOverrides,
): { logger: Logger; clock: Clock; registry: Registry } {
  return {
    logger:
      overrides.logger ??
      createLogger({
        service,
        level: config.logLevel,
        format: config.appEnv === 'development' ? 'pretty' : 'json',
      }),
    clock: overrides.clock ?? systemClock,
    registry: overrides.registry ?? createMetricsRegistry({ service }),
  };
}
