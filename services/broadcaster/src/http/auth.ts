import { hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { IngestRejection } from '../errors.ts';

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Bearer-token check in constant time: the presented token is hashed and
 * compared with every configured token's hash (no early exit), so neither the
 * length nor a prefix of a valid token leaks through timing.
 * Missing token: 401 unauthorized. Unknown token: 403 forbidden.
 * A known token's SHA-256 (base64url) is left in `res.locals.tokenScope`:
 * what a caller owns (its idempotency keys) is filed under it, never under the token.
 */
export function bearerAuth(tokens: readonly string[], realm: string) {
  const known = tokens.map(digest);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    if (!match?.[1]) {
      res.setHeader('WWW-Authenticate', `Bearer realm="${realm}"`);
      next(
        new IngestRejection(
          'unauthorized',
          'unauthorized',
          'Missing bearer token (Authorization: Bearer <token>)',
        ),
      );
      return;
    }
    const presented = digest(match[1]);
    let ok = false;
    for (const candidate of known) ok = timingSafeEqual(presented, candidate) || ok;
    if (!ok) {
      next(new IngestRejection('forbidden', 'forbidden', 'Unknown token'));
      return;
    }
    res.locals['tokenScope'] = presented.toString('base64url');
    next();
  };
}
