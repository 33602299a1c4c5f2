// The burst scenario of `npm run bench -- broadcast`: thousands of games change
// phase in ONE statement (the trigger writes one outbox row each, one commit),
// measured from that commit to PubNub's timetoken of every publish, and to
// the arrival at a real `pubnub` SDK subscriber on the `game.*` wildcard.
import PubNub from 'pubnub';
import type pg from 'pg';
import { summarize } from './stats.ts';

const sleep = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, t));

export interface BurstFigures {
  games: number;
  /** Latency pubnub-local added to every response (as a real PubNub's round trip would). */
  latencyMs: number;
  /** The UPDATE statement, from send to commit acknowledged. */
  statementMs: number;
  /** Commit acknowledged -> PubNub timetoken, per event. */
  accepted: ReturnType<typeof summarize>;
  /** Commit acknowledged -> message at the SDK subscriber, per event (first delivery). */
  received: ReturnType<typeof summarize>;
}

/** An SDK subscriber on `game.*` that notes when each channel's first message arrives (Date.now). */
async function wildcardSubscriber(origin: string): Promise<{
  firstSeen: Map<string, number>;
  stop: () => void;
}> {
  const client = new PubNub({
    publishKey: 'pub-c-local',
    subscribeKey: 'sub-c-local',
    userId: 'bench-burst-subscriber',
    origin,
    ssl: false,
    keepAlive: true,
  });
  const firstSeen = new Map<string, number>();
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('subscriber did not connect within 5 s')), 5000);
    client.addListener({
      status: (event) => {
        if (event.category === PubNub.CATEGORIES.PNConnectedCategory) {
          clearTimeout(timer);
          resolve();
        }
      },
      message: (event) => {
        if (!firstSeen.has(event.channel)) firstSeen.set(event.channel, Date.now());
      },
    });
  });
  client.subscribe({ channels: ['game.*'] });
  await connected;
  return {
    firstSeen,
    stop: () => {
      client.removeAllListeners();
      client.destroy(true);
    },
  };
}

/**
 * Creates `count` waiting games, subscribes, then moves them all to briefing
 * in one UPDATE and waits (up to 60 s) until every phase_changed event is
 * published and seen by the subscriber. A relay must be running. With
 * `latencyMs`, pubnub-local delays every answer (publishes and the
 * subscriber's polls) by that much meanwhile.
 */
export async function phaseChangeBurst(
  pool: pg.Pool,
  origin: string,
  count: number,
  latencyMs = 0,
): Promise<BurstFigures> {
  const faults = `http://${origin}/admin/faults`;
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO games (total_rounds) SELECT 1 FROM generate_series(1, $1::int) RETURNING id::text',
    [count],
  );
  const ids = rows.map((r) => r.id);
  const subscriber = await wildcardSubscriber(origin);
  if (latencyMs > 0)
    await fetch(faults, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
    });
  try {
    // The burst alone: whatever an earlier phase left in the outbox is published first (up to 60 s).
    for (let waited = 0; waited < 60_000; waited += 200) {
      const { rows: left } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND dead_lettered_at IS NULL',
      );
      if ((left[0]?.n ?? 0) === 0) break;
      await sleep(200);
    }
    await sleep(500); // the relay idle, the subscriber's long-poll open
    const sentAt = performance.now();
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids]);
    const committedAt = Date.now();
    const statementMs = performance.now() - sentAt;
    let published: { game_id: string; tt: string }[] = [];
    const deadline = committedAt + 60_000;
    while (Date.now() < deadline) {
      await sleep(100);
      ({ rows: published } = await pool.query<{ game_id: string; tt: string }>(
        `SELECT game_id::text, publish_timetoken::text AS tt FROM realtime_outbox
         WHERE game_id = ANY($1::uuid[]) AND type = 'phase_changed' AND publish_timetoken IS NOT NULL`,
        [ids],
      ));
      if (published.length >= count && subscriber.firstSeen.size >= count) break;
    }
    const accepted = published.map((r) => Number(BigInt(r.tt) / 10_000n) - committedAt);
    const received = ids.flatMap((id) => {
      const at = subscriber.firstSeen.get(`game.${id}`);
      return at === undefined ? [] : [at - committedAt];
    });
    return {
      games: count,
      latencyMs,
      statementMs,
      accepted: summarize(accepted),
      received: summarize(received),
    };
  } finally {
    if (latencyMs > 0) await fetch(faults, { method: 'DELETE' });
    subscriber.stop();
  }
}
