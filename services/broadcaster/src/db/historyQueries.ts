import type { Pool } from '@sketchyaf/core';
import type { HistoryEventRow, HistoryQuery, TransitionRow } from '../history/gameHistory.ts';

/**
 * One page of a game's history, one more row than the limit of each list
 * (the answer tells from it whether there is a next page). Both lists walk
 * the (game_id, id) indexes of migration 0013. Three statements on one
 * REPEATABLE READ snapshot, so the lists agree with each other. ORDER BY
 * names the table's bigint column: a bare `id` would be the text output
 * column, and "10" sorts before "9".
 */
export async function readGameHistory(
  pool: Pool,
  query: HistoryQuery,
): Promise<{ gameExists: boolean; transitions: TransitionRow[]; events: HistoryEventRow[] }> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const game = await client.query('SELECT 1 FROM games WHERE id = $1', [query.gameId]);
    const transitions = await client.query<TransitionRow>({
      name: 'broadcaster_history_transitions',
      text: `SELECT id::text, from_status, to_status, round, version::text, deadline, committed_at, source, request_id
       FROM game_transitions t WHERE game_id = $1 AND t.id > $2::bigint ORDER BY t.id LIMIT $3`,
      values: [query.gameId, query.afterTransition, query.limit + 1],
    });
    const events = await client.query<HistoryEventRow>({
      name: 'broadcaster_history_events',
      text: `SELECT id::text, event_id::text, sequence::text, type, channel, source, request_id, occurred_at, created_at,
              published_at, publish_timetoken::text, dead_lettered_at, attempts, last_error
       FROM realtime_outbox o WHERE game_id = $1 AND o.id > $2::bigint ORDER BY o.id LIMIT $3`,
      values: [query.gameId, query.afterEvent, query.limit + 1],
    });
    await client.query('COMMIT');
    return { gameExists: (game.rowCount ?? 0) > 0, transitions: transitions.rows, events: events.rows };
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    // A connection that failed mid-transaction is discarded (release with the error), never reused.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(failure);
  }
}
