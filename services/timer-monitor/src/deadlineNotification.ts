/** What a `realtime_deadlines` NOTIFY says (see the games_after_update trigger). */
export type DeadlineNotification =
  | { kind: 'games'; games: { gameId: string; version: number; at: number | null }[] }
  | { kind: 'reload'; count: number };

export const deadlineChannel = 'realtime_deadlines';

/** Parses a payload; anything unexpected asks for a reload rather than guessing. */
export function parseDeadlineNotification(payload: string | undefined): DeadlineNotification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload ?? '');
  } catch {
    return { kind: 'reload', count: 0 };
  }
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'reload', count: 0 };
  const record = parsed as Record<string, unknown>;
  if (typeof record['reload'] === 'number') return { kind: 'reload', count: record['reload'] };
  const rows = record['g'];
  if (!Array.isArray(rows)) return { kind: 'reload', count: 0 };
  const games: { gameId: string; version: number; at: number | null }[] = [];
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row)) return { kind: 'reload', count: 0 };
    const [gameId, version, at] = row as unknown[];
    if (
      typeof gameId !== 'string' ||
      typeof version !== 'number' ||
      !(typeof at === 'number' || at === null)
    ) {
      return { kind: 'reload', count: 0 };
    }
    games.push({ gameId, version, at });
  }
  return { kind: 'games', games };
}
