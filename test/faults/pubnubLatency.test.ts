import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultScenario } from './faultScenario.ts';
import { replicaMetric, type ReplicaProcess } from './replicas.ts';

const latencyMs = 1500;
const windowMs = 60_000;
/** The relay's in-flight publishes fill up at the start of the window; measure the steady part. */
const warmUpMs = 5000;
const minPerReplica = 40;

/** Publishes PubNub accepted, per broadcaster (published and slow are both accepted). */
async function accepted(broadcasters: readonly ReplicaProcess[]): Promise<number[]> {
  return Promise.all(
    broadcasters.map(async (b) => {
      const published = await replicaMetric(
        b,
        'sketchyaf_realtime_publish_attempts_total',
        'result="published"',
      );
      const slow = await replicaMetric(b, 'sketchyaf_realtime_publish_attempts_total', 'result="slow"');
      return (published ?? 0) + (slow ?? 0);
    }),
  );
}

let perReplica: number[] = [];
let measuredSeconds = 0;
let circuitSeenOpen = false;

faultScenario({
  name: `PubNub answers ${latencyMs / 1000} s late for ${windowMs / 1000} s`,
  // About 200 events/s offered for the whole window (2,600 games x 5 events over 65 s): more than
  // 3 replicas x 40/s, and each game's 5 events take 7.5 s at one publish in flight per game.
  load: { games: 2600, startWaves: 260, waveIntervalMs: 250, injectAfterMs: 2000 },
  inject: async ({ pubnub }) => {
    await pubnub.setFaults({ latencyMs });
  },
  recover: async ({ pubnub, broadcasters, injectedAt }) => {
    await sleep(Math.max(0, injectedAt + warmUpMs - Date.now()));
    const before = await accepted(broadcasters);
    const from = Date.now();
    while (Date.now() < injectedAt + windowMs) {
      for (const b of broadcasters)
        if (((await replicaMetric(b, 'sketchyaf_realtime_circuit_state')) ?? 0) > 0) circuitSeenOpen = true;
      await sleep(500);
    }
    const after = await accepted(broadcasters);
    measuredSeconds = (Date.now() - from) / 1000;
    perReplica = after.map((n, i) => (n - (before[i] ?? 0)) / measuredSeconds);
    await pubnub.setFaults({ latencyMs: 0 });
  },
  verify: ({ messages, timeline }) => {
    // The same from PubNub's side: publish timetokens inside the measured part of the window.
    const from = timeline.injectedAt + warmUpMs;
    const to = timeline.injectedAt + windowMs;
    const firsts = new Map<string, number>();
    for (const { envelope, timetoken } of messages) {
      const at = Number(BigInt(timetoken) / 10_000n);
      firsts.set(envelope.eventId, Math.min(firsts.get(envelope.eventId) ?? at, at));
    }
    const inWindow = [...firsts.values()].filter((at) => at >= from && at < to).length;
    const total = inWindow / ((to - from) / 1000);
    console.log(
      `    ${latencyMs} ms latency for ${windowMs / 1000} s: accepted by PubNub per replica ` +
        `${perReplica.map((r) => r.toFixed(1)).join(' / ')} events/s over ${measuredSeconds.toFixed(1)} s; ` +
        `all replicas from publish timetokens ${total.toFixed(1)} events/s (${(total / 3).toFixed(1)} per replica); ` +
        `circuit seen not closed: ${String(circuitSeenOpen)}`,
    );
    assert.equal(perReplica.length, 3);
    for (const rate of perReplica)
      assert.ok(rate >= minPerReplica, `a replica delivered ${rate.toFixed(1)} events/s`);
    assert.equal(circuitSeenOpen, false, 'slowness never opens the breaker');
    return Promise.resolve();
  },
});
