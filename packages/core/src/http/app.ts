import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { AppError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { createErrorHandler } from './errorHandler.ts';
import { createHttpMetrics, type HttpMetrics } from './httpMetrics.ts';
import { requestIdMiddleware } from './requestId.ts';
import { runReadinessChecks, type ReadinessCheck } from './readiness.ts';

export interface HttpAppOptions {
  logger: Logger;
  registry: Registry;
  /** Dependencies that must answer for /readyz to say 200. */
  readiness: readonly ReadinessCheck[];
  /** Adds the service's own routes between the probes and the error handler. */
  routes?: (app: Express) => void;
}

/**
 * Answers a request before Express when that is all it needs (a refusal under
 * overload must cost less than the work it refuses): returns the route label
 * of the answer it wrote, or null to hand the request on to Express.
 */
export type FrontGate = (req: IncomingMessage, res: ServerResponse) => string | null;

/**
 * Express app with the probes every service has: /livez (the process only,
 * so a database outage never restarts pods), /readyz (dependencies), /metrics.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  return buildApp(options, createHttpMetrics(options.registry));
}

/**
 * The app of createHttpApp behind `gate`: the server's request listener. A
 * gated answer skips every middleware and is still counted in the HTTP metrics.
 */
export function createHttpListener(options: HttpAppOptions & { gate: FrontGate }): RequestListener {
  const metrics = createHttpMetrics(options.registry);
  const app = buildApp(options, metrics);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const route = options.gate(req, res);
    if (route === null) {
      app(req, res);
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.record(route, req.method ?? 'GET', res.statusCode, seconds);
  };
}

function buildApp(options: HttpAppOptions, metrics: HttpMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIdMiddleware);
  app.use(metrics.middleware);

  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await runReadinessChecks(options.readiness);
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(await options.registry.metrics());
  });

  options.routes?.(app);
  // Through the error handler, so an unknown route answers in the same shape as every refusal (requestId included).
  app.use((_req, _res, next) => {
    next(new AppError('not_found', 'No such route'));
  });
  app.use(createErrorHandler(options.logger));
  return app;
}
