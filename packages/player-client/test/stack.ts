// The real stack a player client meets: PostgreSQL (a test database), the
// timer monitor running games, the broadcaster's relay and catch-up API, and
// pubnub-local with Access Manager on; players join with real SDK instances.
import pg from 'pg';
import PubNub from 'pubnub';
import { createSilentLogger } from '@sketchyaf/core';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { apiToken, startTestBroadcaster } from '@sketchyaf/broadcaster/testing';
import { joinGame, type GameEvent, type GameSession, type JoinOptions } from '../src/index.ts';

const secretKey = 'sec-c-player-client-test';

export interface PlayerStack {
  db: TestDatabase;
  pool: pg.Pool;
  pubnub: PubnubLocalHandle;
  broadcaster: BroadcasterService;
  monitor: TimerMonitorService;
  stop(): Promise<void>;
}

export async function startPlayerStack(): Promise<PlayerStack> {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const pubnub = await startPubnubLocal({ port: 0, secretKey });
  const monitor = await startTimerMonitor(
    loadTimerMonitorConfig({ DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' }),
    { logger: createSilentLogger('timer-monitor') },
  );
  // Player tokens read 5 requests/s each; the relay polls often, as in production with NOTIFY.
  const broadcaster = await startTestBroadcaster(db.url, pubnub, { PUBNUB_SECRET_KEY: secretKey });
  return {
    db,
    pool,
    pubnub,
    broadcaster,
    monitor,
    async stop() {
      await broadcaster.stop();
      await monitor.stop();
      await pubnub.stop();
      await pool.end();
      await db.drop();
    },
  };
}

/** Waiting games with these phase lengths (seconds) and rounds. */
export async function createGames(
  pool: pg.Pool,
  count: number,
  durations: Record<string, number>,
  rounds: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO games (total_rounds, phase_durations) SELECT $2, $3::jsonb FROM generate_series(1, $1) RETURNING id',
    [count, rounds, JSON.stringify(durations)],
  );
  return rows.map((r) => r.id);
}

export async function startGames(pool: pg.Pool, ids: readonly string[]): Promise<void> {
  await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids]);
}

/** A player's token from POST /v1/access-tokens, as a game backend gets one. */
export async function grantToken(stack: PlayerStack, userId: string, gameIds: string[]): Promise<string> {
  const res = await fetch(`${stack.broadcaster.url}/v1/access-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
    body: JSON.stringify({ userId, gameIds, ttlMinutes: 60 }),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || body.token === undefined) throw new Error(`grant answered ${res.status}`);
  return body.token;
}

/** The outbox's events of a game, in sequence order: what every player must see. */
export async function outboxEvents(
  pool: pg.Pool,
  gameId: string,
): Promise<{ eventId: string; sequence: number }[]> {
  const { rows } = await pool.query<{ event_id: string; sequence: string }>(
    'SELECT event_id::text, sequence::text FROM realtime_outbox WHERE game_id = $1 ORDER BY realtime_outbox.sequence',
    [gameId],
  );
  return rows.map((r) => ({ eventId: r.event_id, sequence: Number(r.sequence) }));
}

/** One player: an SDK instance of its own and the session, with what the application saw. */
export interface Player {
  userId: string;
  gameId: string;
  pubnub: PubNub;
  session: GameSession;
  seen: GameEvent[];
  stop(): void;
}

export function joinAsPlayer(
  stack: PlayerStack,
  options: { userId: string; gameId: string; token: string } & Partial<JoinOptions>,
  sdk: Partial<PubNub.PubNubConfiguration> = {},
): Player {
  const pubnub = new PubNub({
    subscribeKey: 'sub-c-local',
    userId: options.userId,
    origin: stack.pubnub.origin,
    ssl: false,
    keepAlive: true,
    ...sdk,
  });
  const session = joinGame({ baseUrl: stack.broadcaster.url, pubnub, ...options });
  const seen: GameEvent[] = [];
  session.on('event', (e) => seen.push(e));
  return {
    userId: options.userId,
    gameId: options.gameId,
    pubnub,
    session,
    seen,
    stop() {
      session.leave();
      pubnub.destroy(true);
    },
  };
}
