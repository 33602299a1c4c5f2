import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario, leaseTtlMs } from './faultScenario.ts';

const downMs = 10_000;
/** Work sent just before a lease's validity ends may land a moment later on this loaded machine. */
const slackMs = 500;

let stoppedAt = 0;
let restartingAt = 0;

faultScenario({
  name: 'Redis stopped for 10 s',
  inject: async ({ redis }) => {
    await redis.stop();
    stoppedAt = Date.now();
  },
  recover: async ({ redis, injectedAt }) => {
    await sleep(Math.max(0, injectedAt + downMs - Date.now()));
    restartingAt = Date.now();
    await redis.start();
  },
  // Held leases carry on until their validity ends, then every replica pauses until Redis is back.
  verify: async ({ pool, messages }) => {
    const { rows } = await pool.query<{ last_ms: number | null; while_paused: number }>(
      `WITH outage AS (
         SELECT committed_at, extract(epoch FROM committed_at) * 1000 - $1 AS at_ms FROM game_transitions
         WHERE source = 'timer-monitor'
           AND committed_at >= to_timestamp($1 / 1000.0) AND committed_at < to_timestamp($2 / 1000.0))
       SELECT max(at_ms)::float8 AS last_ms, count(*) FILTER (WHERE at_ms > $3)::int AS while_paused FROM outage`,
      [stoppedAt, restartingAt, leaseTtlMs + slackMs],
    );
    const published = messages
      .map((m) => Number(BigInt(m.timetoken) / 10_000n) - stoppedAt)
      .filter((at) => at >= 0 && at < restartingAt - stoppedAt);
    const lastPublish = published.length > 0 ? Math.max(...published) : null;
    const lastTransition = rows[0]?.last_ms == null ? null : Math.round(rows[0].last_ms);
    const at = (ms: number | null): string => (ms === null ? 'none' : `+${ms} ms`);
    console.log(
      `    after Redis stopped: last timed transition ${at(lastTransition)}, last publish ${at(lastPublish)}; ` +
        `Redis back at +${restartingAt - stoppedAt} ms`,
    );
    assert.ok(lastTransition !== null, 'timed transitions go on while the leases are still valid');
    assert.equal(rows[0]?.while_paused, 0, 'no timed transition once every lease has expired');
    assert.ok(lastPublish === null || lastPublish <= leaseTtlMs + slackMs, `publish at +${lastPublish} ms`);
  },
});
