import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Pool } from '@sketchyaf/core';
import type { PlayerCredentials } from '../access/playerCredentials.ts';
import type { ClientRateLimits } from '../auth/clientRateLimits.ts';
import type { ApiClient, RateLimit } from '../auth/clients.ts';
import { gameEventsAfter } from '../db/outboxQueries.ts';
import { buildEnvelope } from '../events/envelope.ts';
import { IngestRejection } from '../errors.ts';
import { bearerTokenOf, clientResolver, missingBearer } from './auth.ts';
import { corsAllowlist } from './cors.ts';

/** Each player token's own bucket: catch-up is a handful of pages after a reconnect, not a poll loop. */
export const playerCatchupRateLimit: RateLimit = Object.freeze({ eventsPerSecond: 5, burst: 20 });

const realm = 'sketchyaf-broadcaster';

/** The query of `GET /v1/games/:gameId/events` (also described by the OpenAPI document). */
export const gameEventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Who is reading: the rate-limit key and limit, and the games it may read (null: any). */
interface Reader {
  key: string;
  rateLimit: RateLimit | null;
  games: ReadonlySet<string> | null;
}

/**
 * `GET /v1/games/:gameId/events?after=&limit=` → `{"gameId","events":[<v2.0.0 envelope>…],"hasMore"}`:
 * the game's events after sequence `after`, in order, from the outbox (the source of truth for
 * catch-up, for as long as the outbox keeps them). Read with an API client token holding
 * `events:read` or `admin` (any game), or with a player token from POST /v1/access-tokens
 * (the games it names only; `playerCredentials` null when Access Manager is off). Each
 * credential has its own token bucket, a request costing 1.
 */
export function gameEventsRoutes(options: {
  pool: Pool;
  clients: readonly ApiClient[];
  playerCredentials: PlayerCredentials | null;
  rateLimits: ClientRateLimits;
  corsOrigins: readonly string[];
  /** Wall-clock ms (token expiry). */
  now(): number;
  /** Monotonic ms (token buckets). */
  monotonic(): number;
}): Router {
  const router = Router();
  const resolve = clientResolver(options.clients);
  const cors = corsAllowlist(options.corsOrigins, 'GET, OPTIONS');

  const readerOf = (req: Request, res: Response): Reader => {
    const token = bearerTokenOf(req);
    if (token === null) throw missingBearer(res, realm);
    const client = resolve(token);
    if (client) {
      if (!client.scopes.has('events:read') && !client.scopes.has('admin'))
        throw new IngestRejection(
          'insufficient_scope',
          'insufficient_scope',
          `Client "${client.name}" lacks the scope events:read`,
          { missingScope: 'events:read', client: client.name },
        );
      return { key: `client:${client.name}`, rateLimit: client.rateLimit, games: null };
    }
    const checked = options.playerCredentials?.check(token, options.now());
    if (checked?.ok) {
      const { credential } = checked;
      return {
        key: `player:${credential.seal}`,
        rateLimit: playerCatchupRateLimit,
        games: credential.gameIds,
      };
    }
    if (checked?.reason === 'expired')
      throw new IngestRejection(
        'unauthorized',
        'token_expired',
        'Player token expired: ask the game backend for a new one',
      );
    throw new IngestRejection('forbidden', 'forbidden', 'Unknown token');
  };

  router.options('/games/:gameId/events', cors);
  router.get('/games/:gameId/events', cors, async (req: Request, res: Response) => {
    const reader = readerOf(req, res);
    const gameId = z.guid().safeParse(req.params['gameId']);
    const query = gameEventsQuery.safeParse(req.query);
    if (!gameId.success || !query.success) {
      throw new IngestRejection(
        'validation_failed',
        'validation_failed',
        'Invalid game id or query parameters',
        [
          ...(gameId.success
            ? []
            : [{ path: 'path.gameId', code: 'invalid_format', message: 'must be a uuid' }]),
          ...(query.success
            ? []
            : query.error.issues.map((i) => ({
                path: `query.${i.path.map(String).join('.') || '(query)'}`,
                code: i.code,
                message: i.message,
              }))),
        ],
      );
    }
    const game = gameId.data.toLowerCase();
    if (reader.games !== null && !reader.games.has(game))
      throw new IngestRejection('forbidden', 'game_not_granted', 'This token does not name that game', {
        gameId: game,
      });
    const over = options.rateLimits.charge(
      { name: reader.key, rateLimit: reader.rateLimit },
      1,
      options.monotonic(),
    );
    if (over)
      throw new IngestRejection(
        'rate_limited',
        'rate_limited',
        `Over the catch-up rate limit; retry after ${over.retryAfterSeconds} s`,
        { retryAfterSeconds: over.retryAfterSeconds },
      );
    const { after, limit } = query.data;
    // One row more than asked tells whether more remain.
    const rows = await gameEventsAfter(options.pool, game, after, limit + 1);
    const page = rows.slice(0, limit);
    res.json({
      gameId: game,
      events: page.map((row) =>
        buildEnvelope({
          eventId: row.event_id,
          type: row.type,
          gameId: row.game_id,
          sequence: Number(row.sequence),
          channel: row.channel,
          occurredAt: row.occurred_at,
          requestId: row.request_id,
          source: row.source,
          data: row.payload,
        }),
      ),
      hasMore: rows.length > limit,
    });
  });
  return router;
}
