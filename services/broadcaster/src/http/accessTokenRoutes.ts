import { Router, type Request, type Response } from 'express';
import { errorFields, type Logger } from '@sketchyaf/core';
import { accessTokenBody, playerGrantOf } from '../access/playerGrant.ts';
import { GrantError, type TokenGranter } from '../access/tokenGranter.ts';
import type { ApiClient } from '../auth/clients.ts';
import { IngestRejection } from '../errors.ts';
import { bearerAuth, requireScope } from './auth.ts';
import { jsonBody } from './jsonBody.ts';

/** A refused or unanswered grant: the caller retries after this long. */
const grantRetryAfterSeconds = 1;

/**
 * `POST /v1/access-tokens` `{"userId","gameIds":[…],"ttlMinutes"}` → `{"token","expiresAt","channels"}`:
 * a PubNub Access Manager token that reads the listed games' channels and `user.<userId>` only, for
 * clients with the `tokens:grant` scope. `granter` null (no PUBNUB_SECRET_KEY): 501 access_manager_off.
 */
export function accessTokenRoutes(options: {
  clients: readonly ApiClient[];
  granter: TokenGranter | null;
  logger: Logger;
}): Router {
  const router = Router();
  router.post(
    '/access-tokens',
    bearerAuth(options.clients, 'sketchyaf-broadcaster'),
    requireScope('tokens:grant'),
    jsonBody(16 * 1024),
    async (req: Request, res: Response) => {
      const parsed = accessTokenBody.safeParse(req.body);
      if (!parsed.success) {
        throw new IngestRejection(
          'validation_failed',
          'validation_failed',
          'Body must be {"userId":"…","gameIds":["<uuid>",…],"ttlMinutes":1-1440}',
          parsed.error.issues.map((i) => ({
            path: i.path.map(String).join('.') || '(body)',
            code: i.code,
            message: i.message,
          })),
        );
      }
      if (options.granter === null) {
        throw new IngestRejection(
          'access_manager_off',
          'access_manager_off',
          'PubNub Access Manager is off (no PUBNUB_SECRET_KEY): channels are open, no token is needed',
        );
      }
      const grant = playerGrantOf(parsed.data);
      try {
        const { token, expiresAt } = await options.granter.grant(grant);
        res.json({ token, expiresAt: expiresAt.toISOString(), channels: grant.channels });
      } catch (err) {
        if (!(err instanceof GrantError)) throw err;
        options.logger.warn('access token not granted', { ...errorFields(err), statusCode: err.statusCode });
        throw new IngestRejection(
          'unavailable',
          'grant_failed',
          'PubNub did not grant the token; retry later',
          { retryAfterSeconds: grantRetryAfterSeconds },
          { cause: err },
        );
      }
    },
  );
  return router;
}
