import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets, metricPrefix } from '../metrics/registry.ts';

/** RED metrics by route pattern (never the raw path, to bound cardinality). */
export interface HttpMetrics {
  /** Express middleware: records every request routed through Express when it finishes. */
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** Records a request answered outside Express (a front gate). */
  record: (route: string, method: string, status: number, seconds: number) => void;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: `${metricPrefix}http_requests_total`,
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${metricPrefix}http_request_duration_seconds`,
    help: 'HTTP request duration by route and method.',
    labelNames: ['route', 'method'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const record = (route: string, method: string, status: number, seconds: number): void => {
    requests.inc({ route, method, status: String(status) });
    duration.observe({ route, method }, seconds);
  };
  return {
    record,
    middleware: (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
        record(route, req.method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    },
  };
}

export function httpMetricsMiddleware(registry: Registry) {
  return createHttpMetrics(registry).middleware;
}
