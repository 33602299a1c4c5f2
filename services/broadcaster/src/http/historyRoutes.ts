import { Router } from 'express';
import { AppError, type Pool } from '@sketchyaf/core';
import type { ApiClient } from '../auth/clients.ts';
import { readGameHistory } from '../db/historyQueries.ts';
import { IngestRejection } from '../errors.ts';
import { historyAnswer, isFirstPage, parseHistoryQuery } from '../history/gameHistory.ts';
import { bearerAuth, requireScope } from './auth.ts';

/**
 * `GET /v1/games/:id/history?limit=&afterTransition=&afterEvent=` (admin scope):
 * a game's transitions and outbox events with their delivery state, oldest
 * first, `limit` of each per page; `next` carries the cursors of the next page.
 */
export function historyRoutes(options: { pool: Pool; clients: readonly ApiClient[] }): Router {
  const router = Router();
  router.get(
    '/games/:id/history',
    bearerAuth(options.clients, 'sketchyaf-broadcaster-admin'),
    requireScope('admin'),
    async (req, res) => {
      const id = req.params.id;
      const parsed = parseHistoryQuery(typeof id === 'string' ? id : '', req.query);
      if (!parsed.ok) {
        throw new IngestRejection(
          'validation_failed',
          'validation_failed',
          'Invalid history request',
          parsed.issues,
        );
      }
      const { gameExists, transitions, events } = await readGameHistory(options.pool, parsed.query);
      // A deleted game keeps its history (gameExists false); an id never seen is a 404.
      if (!gameExists && transitions.length === 0 && events.length === 0 && isFirstPage(parsed.query)) {
        throw new AppError('not_found', 'No game and no history with this id', {
          gameId: parsed.query.gameId,
        });
      }
      res.json(historyAnswer(parsed.query, gameExists, transitions, events));
    },
  );
  return router;
}
