import pg from 'pg';
import { subscribeToGames, type DemoAccess, type ReceivedEvent } from './demoSubscriber.ts';

export interface DemoOptions {
  databaseUrl: string;
  pubnubOrigin: string;
  subscribeKey: string;
  /** Access Manager on: the subscriber reads with a token from POST /v1/access-tokens. */
  access?: DemoAccess | undefined;
  print: (line: string) => void;
  /** New games are started this often while the demo runs. */
  everyMs?: number;
}

export interface Demo {
  /** The most recently started demo game (the live page shows it). */
  currentGame(): string | undefined;
  stop(): Promise<void>;
}

const durations = { briefing: 1, drawing: 3, voting: 2, results: 1 };

function describe(name: string, event: ReceivedEvent): string {
  const d = event.data;
  const what =
    event.type === 'phase_changed'
      ? `${String(d['from'])} -> ${String(d['to'])}, round ${String(d['round'])}`
      : event.type;
  const age = Date.now() - Date.parse(event.occurredAt);
  return `${name} #${event.sequence} ${what} (received on ${event.channel.slice(0, 13)}…, ${age} ms after the change)`;
}

/**
 * Plays the game backend: starts a couple of short games now and then, and
 * prints every event a real PubNub subscriber receives for them.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, application_name: 'demo' });
  pool.on('error', () => undefined);
  const names = new Map<string, string>();
  let created = 0;
  let current: string | undefined;

  const subscriber = subscribeToGames({
    origin: options.pubnubOrigin,
    subscribeKey: options.subscribeKey,
    access: options.access,
    onEvent: (event) => {
      const name = names.get(event.gameId);
      if (name) options.print(describe(name, event));
    },
  });

  const startGames = async (): Promise<void> => {
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds, phase_durations) SELECT 2, $1::jsonb FROM generate_series(1, 2) RETURNING id',
      [JSON.stringify(durations)],
    );
    for (const row of rows) names.set(row.id, `demo-${++created}`);
    // Subscribed (and granted) before the games start, so that their first events are seen.
    await subscriber.watch(rows.map((r) => r.id));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [
      rows.map((r) => r.id),
    ]);
    current = rows[0]?.id ?? current;
  };

  // Give the subscriber a moment to connect so that the first events are seen.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await startGames();
  const spawner = setInterval(() => {
    void startGames().catch((err: unknown) => options.print(`demo: could not start games: ${String(err)}`));
  }, options.everyMs ?? 20_000);

  return {
    currentGame: () => current,
    async stop() {
      clearInterval(spawner);
      subscriber.stop();
      await pool.end();
    },
  };
}
