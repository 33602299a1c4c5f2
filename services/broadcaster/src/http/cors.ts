import type { NextFunction, Request, Response } from 'express';
import { IngestRejection } from '../errors.ts';

const allowedHeaders = 'Authorization, Content-Type, X-Request-Id';

/**
 * CORS with an exact allowlist of origins. Requests without an Origin header
 * (servers, curl) pass untouched; a browser origin not on the list gets 403
 * before authentication; preflights of allowed origins are answered 204 here.
 */
export function corsAllowlist(origins: readonly string[], methods = 'POST, OPTIONS') {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin === undefined) {
      if (req.method === 'OPTIONS') {
        res.status(204).setHeader('Allow', methods).end();
        return;
      }
      next();
      return;
    }
    if (!allowed.has(origin)) {
      next(
        new IngestRejection('forbidden', 'origin_not_allowed', 'Origin not allowed', {
          origin: origin.slice(0, 200),
        }),
      );
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', methods);
      res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
