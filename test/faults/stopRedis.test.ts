import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@sketchyaf/testkit';
import { faultScenario, leaseTtlMs } from './faultScenario.ts';
import { leaseMode } from './replicas.ts';

const downMs = 60_000;
/** Past the last Redlock lease any replica held: from here on only the PostgreSQL fallback can be at work. */
const afterLeasesMs = 2 * leaseTtlMs;

let killedAt = 0;
let restartingAt = 0;
/** From Redis' restart until every replica of both services said `redis` again. */
let handbackMs = -1;

faultScenario({
  name: 'Redis killed (kill -9) for 60 s during steady load',
  // Game starts for 70 s, so that games are mid-phase through the whole outage and after it.
  load: { games: 1400, startWaves: 70, waveIntervalMs: 1000 },
  inject: async ({ redis }) => {
    await redis.kill();
    killedAt = Date.now();
  },
  recover: async ({ redis, injectedAt, replicas }) => {
    await sleep(Math.max(0, injectedAt + downMs - Date.now()));
    restartingAt = Date.now();
    await redis.start();
    await waitFor(
      'every replica back on Redis',
      async () =>
        (await Promise.all(replicas.map(leaseMode))).every((m) => m === 'redis') ? true : undefined,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    handbackMs = Date.now() - restartingAt;
  },
  // The leases fall back to PostgreSQL: timers and the relay keep going through the outage, then hand back.
  verify: async ({ pool, messages, replicas }) => {
    const {
      rows: [lag],
    } = await pool.query<{ n: number; late: number; p99: number | null; max: number | null }>(
      `WITH outage AS (
         SELECT extract(epoch FROM committed_at - deadline) * 1000 AS lag_ms, committed_at FROM game_transitions
         WHERE source = 'timer-monitor' AND deadline IS NOT NULL
           AND committed_at >= to_timestamp($1 / 1000.0) AND committed_at < to_timestamp($2 / 1000.0))
       SELECT count(*)::int AS n,
              count(*) FILTER (WHERE committed_at >= to_timestamp($3 / 1000.0))::int AS late,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms)::float8 AS p99,
              max(lag_ms)::float8 AS max
       FROM outage`,
      [killedAt, restartingAt, killedAt + afterLeasesMs],
    );
    const during = messages
      .map((m) => ({
        at: Number(BigInt(m.timetoken) / 10_000n),
        occurredAt: Date.parse(m.envelope.occurredAt),
      }))
      .filter(({ at }) => at >= killedAt + afterLeasesMs && at < restartingAt);
    const deliveryLags = during.map(({ at, occurredAt }) => at - occurredAt).sort((a, b) => a - b);
    const deliveryP99 = deliveryLags[Math.floor(0.99 * (deliveryLags.length - 1))] ?? null;

    // Still on Redlock once the load is done: the handback held.
    const modes = await Promise.all(replicas.map(leaseMode));
    console.log(
      `    while Redis was down (${restartingAt - killedAt} ms): ${lag?.n ?? 0} timed transitions, ` +
        `lag p99 ${Math.round(lag?.p99 ?? -1)} ms, max ${Math.round(lag?.max ?? -1)} ms ` +
        `(${lag?.late ?? 0} of them after every Redlock had lapsed); ${during.length} events delivered after ` +
        `+${afterLeasesMs} ms, delivery lag p99 ${deliveryP99 ?? 'n/a'} ms; every replica back on Redis ` +
        `${handbackMs} ms after its restart`,
    );
    assert.deepEqual(
      modes,
      replicas.map(() => 'redis'),
      'every replica on Redis at the end',
    );
    assert.ok((lag?.late ?? 0) > 0, 'timed transitions go on once every Redlock has lapsed');
    assert.ok(
      lag?.p99 !== null && lag?.p99 !== undefined && lag.p99 <= 2000,
      `transition lag p99 ${lag?.p99} ms`,
    );
    assert.ok(during.length > 0, 'events delivered while Redis is down');
  },
});
