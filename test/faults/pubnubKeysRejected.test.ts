import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario } from './faultScenario.ts';
import { replicaMetric, type ReplicaProcess } from './replicas.ts';

const windowMs = 10_000;
/** Highest circuit state (2 = open) and keys-rejected gauge each broadcaster showed during the window. */
const seen = new Map<ReplicaProcess, { circuit: number; keysRejected: number }>();

/** Samples every broadcaster's gauges until `untilMs`: the breaker is open inside the fault, not only after. */
async function watchGauges(broadcasters: readonly ReplicaProcess[], untilMs: number): Promise<void> {
  while (Date.now() < untilMs) {
    await Promise.all(
      broadcasters.map(async (b) => {
        const circuit = (await replicaMetric(b, 'sketchyaf_realtime_circuit_state')) ?? 0;
        const keysRejected = (await replicaMetric(b, 'sketchyaf_realtime_pubnub_keys_rejected')) ?? 0;
        const before = seen.get(b) ?? { circuit: 0, keysRejected: 0 };
        seen.set(b, {
          circuit: Math.max(before.circuit, circuit),
          keysRejected: Math.max(before.keysRejected, keysRejected),
        });
      }),
    );
    await sleep(100);
  }
}

faultScenario({
  name: 'PubNub answers 403 (Access Manager) to every publish for 10 s',
  // Load for 15 s, the fault from 2 s to 12 s: games start before, during and after it.
  load: { games: 1000, startWaves: 60, waveIntervalMs: 250, injectAfterMs: 2000 },
  inject: async ({ pubnub }) => {
    await pubnub.setFaults({ rejectPublishes: { status: 403, durationMs: windowMs } });
  },
  recover: async ({ pubnub, broadcasters, injectedAt }) => {
    await watchGauges(broadcasters, injectedAt + windowMs);
    // The key is fixed: from here on PubNub accepts publishes again.
    await pubnub.setFaults({ rejectPublishes: null });
  },
  verify: async ({ pool, messages, timeline }) => {
    const {
      rows: [o],
    } = await pool.query<{ dead: number; refused: number; attempts_max: number }>(
      `SELECT count(*) FILTER (WHERE dead_lettered_at IS NOT NULL)::int AS dead,
              count(*) FILTER (WHERE last_error LIKE 'PubNub 403%')::int AS refused,
              coalesce(max(attempts), 0)::int AS attempts_max
       FROM realtime_outbox`,
    );
    // Events held by the fault: written during the window, published after it.
    let heldDrainMs = 0;
    let publishedInWindow = 0;
    for (const { envelope, timetoken } of messages) {
      const at = Number(BigInt(timetoken) / 10_000n);
      const occurred = Date.parse(envelope.occurredAt);
      if (at > timeline.injectedAt + 500 && at < timeline.endedAt - 500) publishedInWindow += 1;
      if (occurred < timeline.endedAt) heldDrainMs = Math.max(heldDrainMs, at - timeline.endedAt);
    }
    const gauges = [...seen.values()];
    console.log(
      `    403 for ${windowMs} ms: dead letters ${o?.dead}, events that recorded a 403 ${o?.refused} ` +
        `(max attempts on a row ${o?.attempts_max}); published inside the window ${publishedInWindow}; ` +
        `circuit state max per broadcaster ${gauges.map((g) => g.circuit).join('/')}, ` +
        `keys-rejected gauge max ${gauges.map((g) => g.keysRejected).join('/')}; ` +
        `last held event published ${heldDrainMs} ms after the fault cleared`,
    );
    assert.equal(o?.dead, 0, 'no event dead-lettered');
    assert.ok((o?.refused ?? 0) > 0, 'refused attempts are recorded on the rows');
    assert.equal(gauges.length, 3);
    for (const g of gauges) {
      assert.equal(g.circuit, 2, 'every broadcaster opened its circuit during the fault');
      assert.equal(g.keysRejected, 1, 'every broadcaster reported the rejected keys');
    }
    assert.equal(publishedInWindow, 0, 'nothing published while PubNub refused the key');
  },
});
