import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Pool } from '@sketchyaf/core';
import { listDeadLetters, redriveDeadLetters } from '../db/outboxQueries.ts';
import { IngestRejection } from '../errors.ts';
import type { ApiClient } from '../auth/clients.ts';
import { bearerAuth, requireScope } from './auth.ts';
import { jsonBody } from './jsonBody.ts';

/** The body of `POST /admin/dead-letters/redrive` (also described by the OpenAPI document). */
export const redriveBody = z.union([
  z.strictObject({ eventIds: z.array(z.guid()).min(1).max(1000) }),
  z.strictObject({ all: z.literal(true) }),
]);

/**
 * Operator endpoints, for clients with the `admin` scope (BROADCAST_ADMIN_TOKENS among them):
 * `GET /admin/dead-letters?limit=` lists dead letters;
 * `POST /admin/dead-letters/redrive` `{"eventIds":[…]}` or `{"all":true}` hands them back to the relay,
 * with every later event of their channels, so that subscribers get them in sequence order.
 */
export function adminRoutes(options: {
  pool: Pool;
  clients: readonly ApiClient[];
  onRedrive(): void;
}): Router {
  const router = Router();
  router.use(bearerAuth(options.clients, 'sketchyaf-broadcaster-admin'), requireScope('admin'));

  router.get('/dead-letters', async (req, res) => {
    const raw = req.query['limit'];
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new IngestRejection('validation_failed', 'validation_failed', 'Invalid query parameters', [
        { path: 'query.limit', code: 'invalid_value', message: 'must be an integer from 1 to 1000' },
      ]);
    }
    const rows = await listDeadLetters(options.pool, limit);
    res.json({
      deadLetters: rows.map((r) => ({
        eventId: r.event_id,
        outboxId: r.id,
        gameId: r.game_id,
        sequence: r.sequence === null ? null : Number(r.sequence),
        type: r.type,
        channel: r.channel,
        attempts: r.attempts,
        lastError: r.last_error,
        deadLetteredAt: r.dead_lettered_at.toISOString(),
      })),
    });
  });

  router.post('/dead-letters/redrive', jsonBody(256 * 1024), async (req: Request, res: Response) => {
    const parsed = redriveBody.safeParse(req.body);
    if (!parsed.success) {
      throw new IngestRejection(
        'validation_failed',
        'validation_failed',
        'Body must be {"eventIds":[…]} or {"all":true}',
        parsed.error.issues.map((i) => ({
          path: i.path.map(String).join('.') || '(body)',
          code: i.code,
          message: i.message,
        })),
      );
    }
    const eventIds = 'eventIds' in parsed.data ? parsed.data.eventIds.map((id) => id.toLowerCase()) : null;
    const { eventIds: redriven, replayed } = await redriveDeadLetters(options.pool, eventIds);
    options.onRedrive();
    res.json({ redriven: redriven.length, eventIds: redriven, replayed });
  });
  return router;
}
