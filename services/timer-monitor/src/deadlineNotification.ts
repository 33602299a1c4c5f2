/** What a `realtime_deadlines` NOTIFY says (see the games_after_update trigger). */
export type DeadlineNotification =
  | { kind: 'games'; games: { gameId: string; version: number; at: number | null }[] }
  | { kind: 'reload'; count: number }
  /** Anything else: any database role can NOTIFY this channel, so it is ignored, never acted on. */
  | { kind: 'malformed'; reason: string };

export const deadlineChannel = 'realtime_deadlines';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function malformed(reason: string): DeadlineNotification {
  return { kind: 'malformed', reason };
}

/**
 * Parses a payload; only the two forms the trigger writes are accepted.
 * Anything else used to ask for a full reload, so a stream of garbage made a
 * reload storm; and an id that is not a uuid would fail the whole transition
 * batch it joined. A lost genuine notification costs at most the sweep
 * interval, so ignoring is the safe side.
 */
export function parseDeadlineNotification(payload: string | undefined): DeadlineNotification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload ?? '');
  } catch {
    return malformed('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return malformed('not a JSON object');
  const record = parsed as Record<string, unknown>;
  const reload = record['reload'];
  if (reload !== undefined) {
    if (typeof reload !== 'number' || !Number.isSafeInteger(reload) || reload < 0)
      return malformed('reload is not a count');
    return { kind: 'reload', count: reload };
  }
  const rows = record['g'];
  if (!Array.isArray(rows) || rows.length === 0) return malformed('no "g" list of games');
  const games: { gameId: string; version: number; at: number | null }[] = [];
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 3) return malformed('a game entry is not [id, version, at]');
    const [gameId, version, at] = row as unknown[];
    if (typeof gameId !== 'string' || !uuid.test(gameId)) return malformed('a game id is not a uuid');
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
      return malformed('a version is not a non-negative integer');
    if (!(at === null || (typeof at === 'number' && Number.isFinite(at))))
      return malformed('a deadline is neither a number nor null');
    games.push({ gameId, version, at });
  }
  return { kind: 'games', games };
}
