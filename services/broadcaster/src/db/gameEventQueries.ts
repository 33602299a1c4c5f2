import type { Pool } from '@sketchyaf/core';
import type { EventSource } from '../events/envelope.ts';

/** A game event of the outbox, as GET /v1/games/:id/events reads it. */
export interface GameEventRow {
  event_id: string;
  game_id: string;
  sequence: string;
  type: string;
  channel: string;
  payload: unknown;
  request_id: string;
  source: EventSource;
  occurred_at: Date;
}

/**
 * The game's events after `after`, in sequence order, at most `limit`; published
 * or not (a game's sequences commit in order under its row lock, so no hole can
 * fill in later). Needs an index on realtime_outbox (game_id, sequence) to stay
 * an index range scan with millions of rows.
 */
export async function gameEventsAfter(
  pool: Pool,
  gameId: string,
  after: number,
  limit: number,
): Promise<GameEventRow[]> {
  const { rows } = await pool.query<GameEventRow>({
    name: 'broadcaster_game_events_after',
    text: `SELECT event_id::text, game_id::text, sequence::text, type, channel, payload, request_id, source, occurred_at
     FROM realtime_outbox
     WHERE game_id = $1 AND sequence > $2
     ORDER BY sequence
     LIMIT $3`,
    values: [gameId, after, limit],
  });
  return rows;
}
