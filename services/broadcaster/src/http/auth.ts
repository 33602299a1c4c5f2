import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withLogContext } from '@sketchyaf/core';
import { tokenHash, type ApiClient } from '../auth/clients.ts';
import type { Scope } from '../auth/scopes.ts';
import { IngestRejection } from '../errors.ts';

/** The caller a request was authenticated as (res.locals.client). */
export interface AuthenticatedClient {
  name: string;
  scopes: ReadonlySet<Scope>;
  rateLimit: ApiClient['rateLimit'];
}

/** The authenticated client; throws when no auth ran before (a wiring mistake, not a caller's). */
export function clientOf(res: Response): AuthenticatedClient {
  const client: unknown = res.locals['client'];
  if (typeof client !== 'object' || client === null)
    throw new Error('no authenticated client: auth did not run');
  return client as AuthenticatedClient;
}

/**
 * Bearer-token check in constant time: the presented token is hashed and
 * compared with the hash of every token of every client (no early exit), so
 * neither the length nor a prefix of a valid token leaks through timing, and
 * the configuration need only hold hashes.
 * Missing token: 401 unauthorized. Unknown token: 403 forbidden.
 * A known token's client is left in `res.locals.client`, and its name in the
 * log context of the request: logs, metrics and idempotency keys name the
 * client, never the token.
 */
export function bearerAuth(clients: readonly ApiClient[], realm: string) {
  const resolve = clientResolver(clients);
  return (req: Request, res: Response, next: NextFunction): void => {
    const presented = bearerTokenOf(req);
    if (presented === null) {
      next(missingBearer(res, realm));
      return;
    }
    const found = resolve(presented);
    if (!found) {
      next(new IngestRejection('forbidden', 'forbidden', 'Unknown token'));
      return;
    }
    res.locals['client'] = found;
    withLogContext({ client: found.name }, next);
  };
}

/** The bearer token of the request; null when there is none. */
export function bearerTokenOf(req: Request): string | null {
  const header = req.get('authorization');
  const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The 401 for a request without a bearer token (sets WWW-Authenticate). */
export function missingBearer(res: Response, realm: string): IngestRejection {
  res.setHeader('WWW-Authenticate', `Bearer realm="${realm}"`);
  return new IngestRejection(
    'unauthorized',
    'unauthorized',
    'Missing bearer token (Authorization: Bearer <token>)',
  );
}

/** The client a token belongs to, compared in constant time (see bearerAuth); undefined when none. */
export function clientResolver(
  clients: readonly ApiClient[],
): (token: string) => AuthenticatedClient | undefined {
  const known = clients.flatMap((client) => {
    const resolved: AuthenticatedClient = Object.freeze({
      name: client.name,
      scopes: new Set(client.scopes),
      rateLimit: client.rateLimit,
    });
    return client.tokenHashes.map((h) => ({ hash: Buffer.from(h, 'hex'), client: resolved }));
  });
  return (token) => {
    const presented = Buffer.from(tokenHash(token), 'hex');
    let found: AuthenticatedClient | undefined;
    for (const candidate of known) {
      const equal = timingSafeEqual(presented, candidate.hash);
      found = equal ? candidate.client : found;
    }
    return found;
  };
}

/** 403 insufficient_scope unless the authenticated client holds `scope` (after bearerAuth). */
export function requireScope(scope: Scope) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const client = clientOf(res);
    if (client.scopes.has(scope)) {
      next();
      return;
    }
    next(
      new IngestRejection(
        'insufficient_scope',
        'insufficient_scope',
        `Client "${client.name}" lacks the scope ${scope}`,
        { missingScope: scope, client: client.name },
      ),
    );
  };
}
