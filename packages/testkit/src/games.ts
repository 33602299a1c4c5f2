import type pg from 'pg';

export interface GameOptions {
  /** Phase durations in seconds, the same for every game or per game index. */
  durations?: Record<string, number> | ((index: number) => Record<string, number>);
  rounds?: number;
  /** Move them to briefing at once, so that the timer monitor runs them. */
  start?: boolean;
}

/** `count` waiting games in one statement (started ones with `start`); their ids in creation order. */
export async function createGames(
  pool: pg.Pool,
  count: number,
  options: GameOptions = {},
): Promise<string[]> {
  const { durations = {} } = options;
  const specs = Array.from({ length: count }, (_, i) =>
    JSON.stringify(typeof durations === 'function' ? durations(i) : durations),
  );
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO games (total_rounds, phase_durations)
     SELECT $2, d::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS s(d, n) ORDER BY n RETURNING id`,
    [specs, options.rounds ?? 1],
  );
  const ids = rows.map((r) => r.id);
  if (options.start)
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids]);
  return ids;
}
