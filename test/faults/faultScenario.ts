import { strict as assert } from 'node:assert';
import pg from 'pg';
import {
  createTestDatabase,
  startTestRedisServers,
  waitFor,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/devstack/testing';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { checkGameOrder, Subscriber, type Received } from '../../services/broadcaster/test/helpers.ts';
import { killAll, spawnReplica, totalOwned, type ReplicaKind, type ReplicaProcess } from './replicas.ts';

const shardCount = 16;
export const leaseTtlMs = 1000;
const ttlMs = leaseTtlMs;
const games = 1000;
const eventsPerGame = 5;

export interface Fault {
  /** Printed with the figures. */
  name: string;
  /** Applied to one replica of each kind mid-load. */
  inject: (victims: readonly ReplicaProcess[]) => void;
  /** After the survivors took over (e.g. SIGCONT). */
  recover?: (victims: readonly ReplicaProcess[], injectedAt: number) => void | Promise<void>;
}

/** Longest time from an event's occurredAt to PubNub's timetoken of its first delivery. */
function deliveryLagMs(messages: readonly Received[]): number {
  const first = new Map<string, number>();
  for (const { envelope, timetoken } of messages) {
    const lag = Number(BigInt(timetoken) / 10_000n) - Date.parse(envelope.occurredAt);
    first.set(envelope.eventId, Math.min(first.get(envelope.eventId) ?? lag, lag));
  }
  return Math.max(0, ...first.values());
}

/** One scenario: 3 timer monitors and 3 broadcasters on one database, Redis and pubnub-local; one fault. */
export function faultScenario(fault: Fault): void {
  describe(`faults: ${fault.name} of one timer monitor and one broadcaster mid-load`, function () {
    let db: TestDatabase;
    let pool: pg.Pool;
    let redis: RedisServer;
    let pubnub: PubnubLocalHandle;
    let subscriber: Subscriber;
    const replicas: ReplicaProcess[] = [];

    before(async () => {
      db = await createTestDatabase();
      pool = new pg.Pool({ connectionString: db.url, max: 4 });
      [redis] = (await startTestRedisServers(1)) as [RedisServer];
      pubnub = await startPubnubLocal({ port: 0 });
      subscriber = new Subscriber(pubnub);
      await subscriber.subscribe(['game.*']);
      const env = {
        APP_ENV: 'staging',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        LEASE_TTL_MS: String(ttlMs),
        SHARD_COUNT: String(shardCount),
        PUBNUB_ORIGIN: pubnub.url,
        PUBNUB_PUBLISH_KEY: 'pub-c-local',
        PUBNUB_SUBSCRIBE_KEY: 'sub-c-local',
        BROADCAST_API_TOKENS: 'fault-token-0123456789abcdef',
        RELAY_POLL_INTERVAL_MS: '500',
      };
      const kinds: ReplicaKind[] = ['timer-monitor', 'broadcaster'];
      for (const kind of kinds) {
        for (let i = 0; i < 3; i += 1) replicas.push(await spawnReplica(kind, env));
      }
    });
    after(async () => {
      killAll(replicas);
      subscriber?.stop();
      await pubnub?.stop();
      await redis?.stop();
      await pool?.end();
      await db?.drop();
    });

    const ofKind = (kind: ReplicaKind): ReplicaProcess[] => replicas.filter((r) => r.kind === kind);

    it('every game completes once, every event is published and seen in order; takeover within 2 x TTL', async () => {
      for (const kind of ['timer-monitor', 'broadcaster'] as const) {
        await waitFor(
          `${kind} replicas to own every shard`,
          async () => ((await totalOwned(ofKind(kind))) === shardCount ? true : undefined),
          { timeoutMs: 10_000 },
        );
      }
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO games (total_rounds, phase_durations)
       SELECT 1, $2::jsonb FROM generate_series(1, $1) RETURNING id`,
        [games, JSON.stringify({ briefing: 0.5, drawing: 0.5, voting: 0.5, results: 0.5 })],
      );
      const expected = new Map(rows.map((r) => [r.id, eventsPerGame]));
      await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [
        [...expected.keys()],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 700));

      const victims = [ofKind('timer-monitor')[0], ofKind('broadcaster')[0]];
      const killedAt = Date.now();
      const hit = victims.filter((v) => v !== undefined);
      fault.inject(hit);
      const takeover: Record<string, number> = {};
      for (const kind of ['timer-monitor', 'broadcaster'] as const) {
        const survivors = ofKind(kind).filter((r) => !victims.includes(r));
        await waitFor(
          `surviving ${kind} replicas to own every shard`,
          async () => ((await totalOwned(survivors)) === shardCount ? true : undefined),
          { timeoutMs: 4 * ttlMs, intervalMs: 20 },
        );
        takeover[kind] = Date.now() - killedAt;
      }
      await fault.recover?.(hit, killedAt);

      const total = games * eventsPerGame;
      await waitFor(
        `${total} events at the subscriber`,
        () => (new Set(subscriber.messages.map((m) => m.envelope.eventId)).size >= total ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const ids = subscriber.messages.map((m) => m.envelope.eventId);
      const duplicates = ids.length - new Set(ids).size;
      const stats = await waitFor('the outbox fully published', async () => {
        const {
          rows: [s],
        } = await pool.query<{ pending: number; lag_ms: number }>(
          `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS pending,
                coalesce(extract(epoch FROM max(published_at - created_at)) * 1000, 0)::int AS lag_ms
         FROM realtime_outbox`,
        );
        return s && s.pending === 0 ? s : undefined;
      });
      const {
        rows: [t],
      } = await pool.query<{ repeated: number; completed: number }>(
        `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM game_transitions GROUP BY game_id, version HAVING count(*) > 1) x) AS repeated,
              (SELECT count(*)::int FROM games WHERE status = 'completed') AS completed`,
      );
      console.log(
        `    ${fault.name}: takeover timer-monitor ${takeover['timer-monitor']} ms, broadcaster ${takeover.broadcaster} ms; ` +
          `max delivery lag ${deliveryLagMs(subscriber.messages)} ms (marked published: ${stats.lag_ms} ms); duplicates delivered ${duplicates}`,
      );
      assert.equal(t?.repeated, 0, 'each (game_id, version) transition once');
      assert.equal(t?.completed, games, 'every game completed');
      assert.deepEqual(checkGameOrder(subscriber.messages, expected), []);
      for (const [kind, ms] of Object.entries(takeover))
        assert.ok(ms <= 2 * ttlMs, `${kind} takeover ${ms} ms`);
    });
  });
}
