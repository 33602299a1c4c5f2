import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { waitFor } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import { checkGameOrder, Subscriber, type Received } from '../../services/broadcaster/test/helpers.ts';
import {
  killAll,
  replicaKinds,
  shardsOwned,
  spawnReplica,
  totalOwned,
  type ReplicaKind,
  type ReplicaProcess,
} from './replicas.ts';
import {
  dedicatedPostgresUnderTest,
  sharedDatabaseUnderTest,
  startRedisUnderTest,
  type ServerUnderTest,
} from './servers.ts';

const shardCount = 16;
// Long enough that scheduling noise on a loaded 2-core machine stays small beside it; the bounds scale with it.
export const leaseTtlMs = 2000;
const eventsPerGame = 5;

/**
 * The game load. Games start in waves, so that some are mid-phase whenever
 * the fault strikes, and some start during it. The default (1,000 games over
 * 4 s, fault after 1 s) suits short faults; a long fault needs load that
 * spans it.
 */
export interface ScenarioLoad {
  games: number;
  startWaves: number;
  waveIntervalMs: number;
  /** Into the load when the fault is injected: a few waves run, the rest start during the fault. */
  injectAfterMs: number;
}

const defaultLoad: ScenarioLoad = { games: 1000, startWaves: 20, waveIntervalMs: 200, injectAfterMs: 1000 };

export interface FaultContext {
  /** One replica of each kind when the fault has replica victims; otherwise empty. */
  victims: readonly ReplicaProcess[];
  /** Every broadcaster replica (for a fault that watches their metrics). */
  broadcasters: readonly ReplicaProcess[];
  /** Date.now() just before inject(). */
  injectedAt: number;
  pubnub: PubnubLocalHandle;
  redis: ServerUnderTest;
  /** Can be stopped only when the fault asked for `dedicatedPostgres`. */
  postgres: ServerUnderTest;
  /** Every replica of the scenario, victims included. */
  replicas: readonly ReplicaProcess[];
}

export interface FaultTimeline {
  injectedAt: number;
  /** When recover() resolved (or takeover completed, for a fault without recover()). */
  endedAt: number;
}

export interface Fault {
  /** Printed with the figures. */
  name: string;
  /** Hit one timer monitor and one broadcaster; takeover by the others is then timed and asserted. */
  replicaVictims?: boolean;
  /** Run on a PostgreSQL server of the scenario's own, which the fault may stop. */
  dedicatedPostgres?: boolean;
  /** The game load; default 1,000 games over 4 s. */
  load?: Partial<ScenarioLoad>;
  inject: (ctx: FaultContext) => void | Promise<void>;
  /** Ends the fault (e.g. SIGCONT, Redis back); resolves when it is over. */
  recover?: (ctx: FaultContext) => Promise<void>;
  /** Extra checks of the scenario, once every game is done and delivered. */
  verify?: (run: {
    pool: pg.Pool;
    messages: readonly Received[];
    timeline: FaultTimeline;
    broadcasters: readonly ReplicaProcess[];
    replicas: readonly ReplicaProcess[];
  }) => Promise<void>;
}

/** Time of each event's first delivery (PubNub's timetoken), by eventId. */
function firstDeliveries(messages: readonly Received[]): Map<string, { occurredAt: number; at: number }> {
  const first = new Map<string, { occurredAt: number; at: number }>();
  for (const { envelope, timetoken } of messages) {
    const at = Number(BigInt(timetoken) / 10_000n);
    const known = first.get(envelope.eventId);
    if (!known || at < known.at)
      first.set(envelope.eventId, { occurredAt: Date.parse(envelope.occurredAt), at });
  }
  return first;
}

/**
 * Longest occurred-to-published time of the events published from the
 * injection on (so the recovery tail counts: a backlog draining, a circuit
 * waiting to half-open), and of those published before it, for comparison.
 */
function deliveryLags(messages: readonly Received[], injectedAt: number): { fault: number; before: number } {
  let fault = 0;
  let before = 0;
  for (const { occurredAt, at } of firstDeliveries(messages).values()) {
    const lag = Math.max(0, at - occurredAt);
    if (at >= injectedAt) fault = Math.max(fault, lag);
    else before = Math.max(before, lag);
  }
  return { fault, before };
}

/** Each replica's warn and error lines, timed from the injection (FAULTS_VERBOSE=1). */
function printWarnings(replicas: readonly ReplicaProcess[], injectedAt: number): void {
  for (const r of replicas) {
    console.log(`    --- ${r.kind} pid ${r.child.pid ?? '?'}`);
    for (const line of r.warnings()) {
      const { timestamp, level, message, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const at = Date.parse(typeof timestamp === 'string' ? timestamp : '') - injectedAt;
      delete rest['service'];
      console.log(
        `    ${at >= 0 ? '+' : ''}${at} ms ${String(level)}: ${String(message)} ${JSON.stringify(rest)}`,
      );
    }
  }
}

/** Runs `query` until it succeeds: the game backend's part, which must ride out a database restart. */
async function persistently(pool: pg.Pool, text: string, values: unknown[]): Promise<void> {
  await waitFor(`"${text.slice(0, 40)}…" to succeed`, async () => (await pool.query(text, values), true), {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

/**
 * One scenario: 3 timer monitors and 3 broadcasters on one database, Redis
 * and pubnub-local, with a real PubNub SDK subscriber; one fault mid-load.
 */
export function faultScenario(fault: Fault): void {
  const { games, startWaves, waveIntervalMs, injectAfterMs } = { ...defaultLoad, ...fault.load };
  describe(`faults: ${fault.name}`, function () {
    let postgres: ServerUnderTest | undefined;
    let pool: pg.Pool | undefined;
    let redis: ServerUnderTest | undefined;
    let pubnub: PubnubLocalHandle | undefined;
    let subscriber: Subscriber | undefined;
    const replicas: ReplicaProcess[] = [];
    let finished = false;
    const ofKind = (kind: ReplicaKind): ReplicaProcess[] => replicas.filter((r) => r.kind === kind);
    /** Every replica holds its fair share (5 or 6 of 16) and together they hold every shard. */
    const waitForBalance = (): Promise<unknown> =>
      Promise.all(
        replicaKinds.map((kind) =>
          waitFor(
            `${kind} replicas to own a fair share of the shards each`,
            async () => {
              const owned = await Promise.all(ofKind(kind).map(shardsOwned));
              const fair = owned.every((n) => Math.abs(n - shardCount / owned.length) < 1);
              return fair && owned.reduce((a, b) => a + b, 0) === shardCount ? true : undefined;
            },
            { timeoutMs: 15_000, intervalMs: 50 },
          ),
        ),
      );

    before(async () => {
      postgres = await (fault.dedicatedPostgres ? dedicatedPostgresUnderTest() : sharedDatabaseUnderTest());
      pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
      // A restart cuts idle connections too; unhandled, that error would end the test process.
      pool.on('error', () => undefined);
      redis = await startRedisUnderTest();
      pubnub = await startPubnubLocal({ port: 0 });
      subscriber = new Subscriber(pubnub);
      await subscriber.subscribe(['game.*']);
      const env = {
        APP_ENV: 'staging',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        LEASE_TTL_MS: String(leaseTtlMs),
        SHARD_COUNT: String(shardCount),
        PUBNUB_ORIGIN: pubnub.url,
        PUBNUB_PUBLISH_KEY: 'pub-c-local',
        PUBNUB_SUBSCRIBE_KEY: 'sub-c-local',
        BROADCAST_API_TOKENS: 'fault-token-0123456789abcdef',
        RELAY_POLL_INTERVAL_MS: '500',
      };
      const started = await Promise.allSettled(
        replicaKinds.flatMap((kind) => [0, 1, 2].map(() => spawnReplica(kind, env))),
      );
      // Those that did start are stopped by after(), even when another one failed.
      for (const r of started) if (r.status === 'fulfilled') replicas.push(r.value);
      const failure = started.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    });

    afterEach(function () {
      if (this.currentTest?.state !== 'failed') return;
      for (const r of replicas) console.log(`--- ${r.kind} pid ${r.child.pid ?? '?'}:\n${r.recentOutput()}`);
    });

    after(async () => {
      finished = true;
      killAll(replicas);
      subscriber?.stop();
      await pubnub?.stop();
      await redis?.dispose();
      await pool?.end();
      await postgres?.dispose();
    });

    it('every game completes once, every event is published and seen in order; failover within 2 x TTL', async () => {
      assert.ok(pool && pubnub && redis && postgres && subscriber);
      const db = pool;
      const sub = subscriber;
      await waitForBalance();
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO games (total_rounds, phase_durations)
         SELECT 1, $2::jsonb FROM generate_series(1, $1) RETURNING id`,
        [games, JSON.stringify({ briefing: 0.5, drawing: 0.5, voting: 0.5, results: 0.5 })],
      );
      const expected = new Map(rows.map((r) => [r.id, eventsPerGame]));
      const ids = [...expected.keys()];
      const loadStartedAt = Date.now();
      const starting = (async () => {
        const perWave = Math.ceil(games / startWaves);
        for (let wave = 0; wave < startWaves && !finished; wave += 1) {
          await sleep(Math.max(0, loadStartedAt + wave * waveIntervalMs - Date.now()));
          const batch = ids.slice(wave * perWave, (wave + 1) * perWave);
          // Idempotent: a retry after a commit whose answer was lost must not hit a game that moved on.
          await persistently(
            db,
            "UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[]) AND status = 'waiting'",
            [batch],
          );
        }
      })();
      // Awaited below; until then a failure must not count as an unhandled rejection.
      starting.catch(() => undefined);
      await sleep(Math.max(0, loadStartedAt + injectAfterMs - Date.now()));

      // A victim that lost its leases to a slow moment just before would make the takeover look instant.
      if (fault.replicaVictims) await waitForBalance();
      const victims = fault.replicaVictims
        ? replicaKinds.map((kind) => ofKind(kind)[0]).filter((r) => r !== undefined)
        : [];
      const ctx: FaultContext = {
        victims,
        broadcasters: ofKind('broadcaster'),
        injectedAt: Date.now(),
        pubnub,
        redis,
        postgres,
        replicas,
      };
      await fault.inject(ctx);
      const takeover = new Map<ReplicaKind, number>();
      await Promise.all(
        victims.map(async (victim) => {
          const survivors = ofKind(victim.kind).filter((r) => r !== victim);
          await waitFor(
            `surviving ${victim.kind} replicas to own every shard`,
            async () => ((await totalOwned(survivors)) === shardCount ? true : undefined),
            { timeoutMs: 4 * leaseTtlMs, intervalMs: 50 },
          );
          takeover.set(victim.kind, Date.now() - ctx.injectedAt);
        }),
      );
      await fault.recover?.(ctx);
      const timeline: FaultTimeline = { injectedAt: ctx.injectedAt, endedAt: Date.now() };
      // Every shard held again by the live replicas: after a Redis outage, this is when work resumes.
      await Promise.all(
        replicaKinds.map((kind) =>
          waitFor(
            `${kind} replicas to own every shard after the fault`,
            async () => ((await totalOwned(ofKind(kind))) === shardCount ? true : undefined),
            { timeoutMs: 15_000, intervalMs: 50 },
          ),
        ),
      );
      const resumedMs = Date.now() - timeline.endedAt;
      await starting;

      // Published first, then seen: a timeout then says which side fell behind.
      const stats = await waitFor(
        'the outbox fully published',
        async () => {
          const {
            rows: [s],
          } = await db.query<{ pending: number; lag_ms: number }>(
            `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS pending,
                    coalesce(extract(epoch FROM max(published_at - created_at)) * 1000, 0)::int AS lag_ms
             FROM realtime_outbox`,
          );
          return s && s.pending === 0 ? s : undefined;
        },
        // A relay whose breaker keeps tripping on a loaded machine drains in bursts: bounded, not tight.
        { timeoutMs: 90_000, intervalMs: 200 },
      );
      const total = games * eventsPerGame;
      const distinct = (): number => new Set(sub.messages.map((m) => m.envelope.eventId)).size;
      await waitFor(`${total} events at the subscriber`, () => (distinct() >= total ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 200,
      }).catch((err: unknown) => {
        throw new Error(
          `${distinct()} of ${total} events seen; subscriber statuses: ${sub.statuses.join(', ')}`,
          {
            cause: err,
          },
        );
      });
      const eventIds = sub.messages.map((m) => m.envelope.eventId);
      const duplicates = eventIds.length - new Set(eventIds).size;
      const {
        rows: [t],
      } = await db.query<{ repeated: number; completed: number }>(
        `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM game_transitions GROUP BY game_id, version HAVING count(*) > 1) x) AS repeated,
                (SELECT count(*)::int FROM games WHERE status = 'completed') AS completed`,
      );
      const lags = deliveryLags(sub.messages, timeline.injectedAt);
      const takeoverText =
        takeover.size === 0
          ? 'takeover n/a'
          : `takeover ${[...takeover].map(([kind, ms]) => `${kind} ${ms} ms`).join(', ')}`;
      console.log(
        `    ${fault.name}: ${takeoverText}; every shard owned ${resumedMs} ms after the fault; ` +
          `max delivery lag from the fault on ${lags.fault} ms (before it ${lags.before} ms; ` +
          `outbox max created-to-marked ${stats.lag_ms} ms); duplicates delivered ${duplicates}`,
      );
      if (process.env['FAULTS_VERBOSE']) printWarnings(replicas, timeline.injectedAt);
      assert.equal(t?.repeated, 0, 'each (game_id, version) transition once');
      assert.equal(t?.completed, games, 'every game completed');
      assert.deepEqual(checkGameOrder(sub.messages, expected), []);
      for (const [kind, ms] of takeover) assert.ok(ms <= 2 * leaseTtlMs, `${kind} takeover ${ms} ms`);
      await fault.verify?.({
        pool: db,
        messages: sub.messages,
        timeline,
        broadcasters: ofKind('broadcaster'),
        replicas,
      });
    });
  });
}
