import { strict as assert } from 'node:assert';
import { backoffPresets, createMetricsRegistry, createSilentLogger } from '@sketchyaf/core';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { loadBroadcasterConfig, type Envelope } from '../src/index.ts';
import { createBroadcasterMetrics } from '../src/metrics.ts';
import { OutboxRelay } from '../src/relay/outboxRelay.ts';
import type { Publisher } from '../src/relay/pubnubPublisher.ts';
import { InMemoryOutbox } from './inMemoryOutbox.ts';

const epoch = 1_700_000_000_000;

/** The relay's engine on a manual clock against an in-memory outbox and a recording publisher. */
function relayEngine(options: { holdsShard?: (shard: number) => boolean } = {}) {
  const clock = new ManualClock({ startAt: epoch });
  const store = new InMemoryOutbox(clock);
  const published: { channel: string; sequence: number | null }[] = [];
  const publisher: Publisher = {
    publish(channel: string, message: Envelope): Promise<string> {
      published.push({ channel, sequence: message.sequence ?? null });
      return Promise.resolve(String(clock.now() * 10_000));
    },
    close: () => undefined,
  };
  const relay = new OutboxRelay({
    store,
    publisher,
    logger: createSilentLogger('relay'),
    metrics: createBroadcasterMetrics(createMetricsRegistry({ service: 'relay', collectDefaults: false })),
    clock,
    settings: { ...loadBroadcasterConfig({ LOG_LEVEL: 'silent' }).relay, shardCount: 4 },
    ...(options.holdsShard ? { holdsShard: options.holdsShard } : {}),
  });
  return { clock, store, relay, published };
}

const gameA = '00000000-0000-4000-8000-00000000000a';
const gameB = '00000000-0000-4000-8000-00000000000b';

describe('outbox relay engine (in-memory outbox, manual clock)', () => {
  it("publishes every event once, each game's in sequence order, and marks them published", async () => {
    const { clock, store, relay, published } = relayEngine();
    store.add(gameA, 5);
    store.add(gameB, 3);
    relay.start(null);
    await clock.tick(100);
    assert.equal(store.unpublished, 0);
    for (const game of [gameA, gameB]) {
      const sequences = published.filter((p) => p.channel === `game.${game}`).map((p) => p.sequence);
      assert.deepEqual(
        sequences,
        Array.from({ length: sequences.length }, (_, i) => i + 1),
      );
    }
    assert.equal(published.length, 8);
    await relay.stop();
  });

  it('backs off after a failed claim (database retry preset) and claims again once the database is back', async () => {
    const { clock, store, relay, published } = relayEngine();
    store.add(gameA, 2);
    store.failClaims = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    relay.start(null);
    await clock.tick(10);
    const failed = store.claims.length;
    assert.ok(failed >= 1);
    store.failClaims = null;
    relay.wake();
    await clock.tick(Math.floor(backoffPresets.databaseRetry.baseMs / 2) - 20);
    assert.equal(published.length, 0, 'a wake during the back-off does not claim');
    relay.databaseBack();
    await clock.tick(10);
    assert.equal(published.length, 2, 'databaseBack ends the back-off');
    await relay.stop();
  });
});
