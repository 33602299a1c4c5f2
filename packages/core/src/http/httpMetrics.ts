import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets, metricPrefix } from '../metrics/registry.ts';

/** RED metrics by route pattern (never the raw path, to bound cardinality). */
export function httpMetricsMiddleware(registry: Registry) {
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
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ route, method: req.method, status: String(res.statusCode) });
      duration.observe({ route, method: req.method }, seconds);
    });
    next();
  };
}
