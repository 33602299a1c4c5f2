import pg from 'pg';

export interface DemoOptions {
  databaseUrl: string;
  print: (line: string) => void;
  /** New games are started this often while the demo runs. */
  everyMs?: number;
}

export interface Demo {
  stop(): Promise<void>;
}

const durations = { briefing: 1, drawing: 3, voting: 2, results: 1 };

/**
 * Plays the game backend: starts a couple of short games now and then, and
 * prints every transition as it lands in the audit table, whoever made it.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, application_name: 'demo' });
  pool.on('error', () => undefined);
  const names = new Map<string, string>();
  let created = 0;
  const { rows: last } = await pool.query<{ id: string | null }>(
    'SELECT max(id)::text AS id FROM game_transitions',
  );
  let cursor = last[0]?.id ?? '0';
  let stopped = false;

  const startGames = async (): Promise<void> => {
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds, phase_durations) SELECT 2, $1::jsonb FROM generate_series(1, 2) RETURNING id',
      [JSON.stringify(durations)],
    );
    for (const row of rows) names.set(row.id, `demo-${++created}`);
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [
      rows.map((r) => r.id),
    ]);
  };

  const printNew = async (): Promise<void> => {
    const { rows } = await pool.query<{
      id: string;
      game_id: string;
      from_status: string;
      to_status: string;
      round: number;
      source: string;
      lag_ms: number | null;
    }>(
      `SELECT id::text, game_id, from_status, to_status, round, source,
              (extract(epoch FROM committed_at - deadline) * 1000)::float8 AS lag_ms
       FROM game_transitions WHERE id > $1 ORDER BY id LIMIT 500`,
      [cursor],
    );
    for (const row of rows) {
      cursor = row.id;
      const name = names.get(row.game_id);
      if (!name) continue;
      const lag =
        row.source === 'timer-monitor' && row.lag_ms !== null
          ? `, ${row.lag_ms.toFixed(1)} ms after deadline`
          : '';
      options.print(
        `${name} round ${row.round}: ${row.from_status} -> ${row.to_status} (by ${row.source}${lag})`,
      );
    }
  };

  await startGames();
  const spawner = setInterval(() => {
    void startGames().catch((err: unknown) => options.print(`demo: could not start games: ${String(err)}`));
  }, options.everyMs ?? 20_000);
  let printing = Promise.resolve();
  const printer = setInterval(() => {
    if (stopped) return;
    printing = printNew().catch((err: unknown) => options.print(`demo: ${String(err)}`));
  }, 100);

  return {
    async stop() {
      stopped = true;
      clearInterval(spawner);
      clearInterval(printer);
      await printing;
      await pool.end();
    },
  };
}
