import type { Express } from 'express';
import { renderStatusPage } from '../page/renderStatusPage.ts';
import type { ControlReport } from '../control/controlReport.ts';
import type { HealthReport } from '../status/types.ts';

export interface HealthRoutesOptions {
  latest(): HealthReport | null;
  /** The runtime control operator's last report (`GET /api/control`, read by the CLI). */
  control?(): ControlReport | null;
  environment: string;
  runbookBaseUrl: string;
  now(): number;
}

/** The page refreshes itself this often. */
export const pageRefreshSeconds = 5;

/**
 * `GET /api/health` (JSON) and `GET /` (the status page). Both serve the
 * last round of checks: a slow dependency never slows a request.
 * /api/health answers 200 for ok and degraded, 503 for down or before the first round.
 */
export function healthRoutes(options: HealthRoutesOptions) {
  return (app: Express): void => {
    app.get('/api/health', (_req, res) => {
      const report = options.latest();
      res.setHeader('Cache-Control', 'no-store');
      if (!report) {
        res
          .status(503)
          .json({ status: 'unknown', reasons: ['the first round of checks has not finished yet'] });
        return;
      }
      res.status(report.status === 'down' ? 503 : 200).json(report);
    });
    app.get('/api/control', (_req, res) => {
      const report = options.control?.() ?? null;
      res.setHeader('Cache-Control', 'no-store');
      if (!report) {
        res.status(503).json({
          error: { code: 'unavailable', message: 'no round of runtime control yet', details: null },
        });
        return;
      }
      res.json(report);
    });
    app.get('/', (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type('html').send(
        renderStatusPage({
          report: options.latest(),
          environment: options.environment,
          runbookBaseUrl: options.runbookBaseUrl,
          nowMs: options.now(),
          refreshSeconds: pageRefreshSeconds,
        }),
      );
    });
  };
}
