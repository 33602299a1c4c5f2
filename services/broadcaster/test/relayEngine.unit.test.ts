import { strict as assert } from 'node:assert';
import { defaultControlSpec, type ControlSpec } from '@sketchyaf/control';
import { backoffPresets, createMetricsRegistry, createSilentLogger } from '@sketchyaf/core';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { loadBroadcasterConfig, type RelaySettings } from '../src/index.ts';
import { relayControl } from '../src/control/broadcasterControl.ts';
import { RelayLimits } from '../src/control/relayLimits.ts';
import { createBroadcasterMetrics } from '../src/metrics.ts';
import { OutboxRelay } from '../src/relay/outboxRelay.ts';
import type { CircuitStateName } from '../src/relay/publishCircuit.ts';
import {
  ConfigurationPublishError,
  RateLimitedPublishError,
  TransientPublishError,
} from '../src/relay/publishErrors.ts';
import { InMemoryOutbox } from './inMemoryOutbox.ts';
import { ScriptedPublisher } from './scriptedPublisher.ts';

const epoch = 1_700_000_000_000;

interface EngineOptions {
  holdsShard?: (shard: number) => boolean;
  settings?: Partial<RelaySettings>;
}

/** The relay's engine on a manual clock against an in-memory outbox, a scripted publisher and runtime control. */
function relayEngine(options: EngineOptions = {}) {
  const clock = new ManualClock({ startAt: epoch });
  const store = new InMemoryOutbox(clock);
  const publisher = new ScriptedPublisher(clock);
  const settings = {
    ...loadBroadcasterConfig({ LOG_LEVEL: 'silent' }).relay,
    ...options.settings,
    shardCount: 4,
  };
  const limits = new RelayLimits(settings.concurrency, clock.now());
  const logger = createSilentLogger('relay');
  const relay = new OutboxRelay({
    store,
    publisher,
    logger,
    metrics: createBroadcasterMetrics(createMetricsRegistry({ service: 'relay', collectDefaults: false })),
    clock,
    settings,
    limits,
    ...(options.holdsShard ? { holdsShard: options.holdsShard } : {}),
  });
  // The control gate the service wires: an operator's spec reaches the relay through it.
  const control = relayControl({ limits, relay, clock, logger, settleTimeoutMs: 1000 });
  const apply = (spec: Partial<ControlSpec>): void => control.set({ ...defaultControlSpec, ...spec });
  const circuit: { state: CircuitStateName; at: number }[] = [];
  relay.on('circuit', (state) => circuit.push({ state, at: clock.now() - epoch }));
  return { clock, store, relay, publisher, settings, apply, circuit };
}

const gameA = '00000000-0000-4000-8000-00000000000a';
const gameB = '00000000-0000-4000-8000-00000000000b';
const channelA = `game.${gameA}`;
const channelB = `game.${gameB}`;
const games = Array.from(
  { length: 5 },
  (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
);

describe('outbox relay engine (in-memory outbox, manual clock)', () => {
  it("publishes every event once, each game's in sequence order, and marks them published", async () => {
    const { clock, store, relay, publisher } = relayEngine();
    store.add(gameA, 5);
    store.add(gameB, 3);
    relay.start(null);
    await clock.tick(100);
    assert.equal(store.unpublished, 0);
    assert.deepEqual(publisher.published(channelA), [1, 2, 3, 4, 5]);
    assert.deepEqual(publisher.published(channelB), [1, 2, 3]);
    assert.deepEqual(store.marked(gameA), [1, 2, 3, 4, 5]);
    assert.equal(publisher.calls.length, 8);
    await relay.stop();
  });

  it('backs off after a failed claim (database retry preset) and claims again once the database is back', async () => {
    const { clock, store, relay, publisher } = relayEngine();
    store.add(gameA, 2);
    store.failClaims = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    relay.start(null);
    await clock.tick(10);
    const failed = store.claims.length;
    assert.ok(failed >= 1);
    store.failClaims = null;
    relay.wake();
    await clock.tick(Math.floor(backoffPresets.databaseRetry.baseMs / 2) - 20);
    assert.equal(publisher.calls.length, 0, 'a wake during the back-off does not claim');
    relay.databaseBack();
    await clock.tick(10);
    assert.equal(publisher.calls.length, 2, 'databaseBack ends the back-off');
    await relay.stop();
  });

  describe('pause (runtime control: broadcasting paused)', () => {
    it('claims and publishes nothing while paused; on resume the events go, in order', async () => {
      const { clock, store, relay, publisher, apply } = relayEngine();
      apply({ broadcasting: 'paused' });
      store.add(gameA, 3);
      relay.start(null);
      await clock.tick(60_000);
      assert.equal(store.claims.length, 0, 'nothing claimed while paused, however long');
      assert.equal(publisher.calls.length, 0);
      apply({ broadcasting: 'enabled' });
      await clock.tick(10);
      assert.deepEqual(publisher.published(channelA), [1, 2, 3]);
      assert.equal(store.unpublished, 0);
      await relay.stop();
    });

    it('a pause while publishing lets the call in flight finish and starts nothing more until resumed', async () => {
      const { clock, store, relay, publisher, apply } = relayEngine();
      publisher.script = () => 'hold';
      store.add(gameA, 3);
      relay.start(null);
      await clock.tick(10);
      assert.equal(publisher.calls.length, 1, "one call per game at a time: the game's first");
      apply({ broadcasting: 'paused' });
      publisher.script = () => 'accept';
      publisher.release();
      await clock.tick(60_000);
      assert.equal(publisher.calls.length, 1, 'its next event waits while paused');
      assert.deepEqual(store.marked(gameA), [1], 'the one in flight is recorded');
      apply({ broadcasting: 'enabled' });
      await clock.tick(10);
      assert.deepEqual(publisher.published(channelA), [1, 2, 3]);
      await relay.stop();
    });
  });

  it('429: Retry-After holds every publish, of every game, for that long on the clock', async () => {
    const { clock, store, relay, publisher } = relayEngine();
    publisher.script = (call) =>
      call.channel === channelA && publisher.calls.length === 1
        ? new RateLimitedPublishError('429 Too Many Requests', 5000)
        : 'accept';
    store.add(gameA, 1);
    relay.start(null);
    await clock.tick(1);
    assert.equal(publisher.calls.length, 1);
    const limitedAt = publisher.calls[0]?.at ?? 0;
    store.add(gameB, 1);
    relay.wake();
    await clock.tick(limitedAt + 4999 - clock.now());
    assert.equal(publisher.calls.length, 1, 'another game waits out the Retry-After too');
    await clock.tick(2);
    assert.deepEqual(publisher.published(channelB), [1]);
    assert.deepEqual(publisher.published(channelA), [1]);
    assert.ok(publisher.calls.slice(1).every((c) => c.at >= limitedAt + 5000));
    assert.equal(relay.circuitState, 'closed', 'one 429 does not open the circuit');
    await relay.stop();
  });

  describe('circuit breaker', () => {
    it('refused keys open it at once; one trial per configuration delay; the trial that passes closes it and the events drain in order', async () => {
      const { clock, store, relay, publisher, settings, circuit } = relayEngine();
      let keysRejected = true;
      publisher.script = () =>
        keysRejected ? new ConfigurationPublishError('403 Forbidden', 403) : 'accept';
      store.add(gameA, 3);
      store.add(gameB, 2);
      relay.start(null);
      await clock.tick(1);
      assert.equal(relay.circuitState, 'open');
      const sentBeforeOpen = publisher.calls.length;
      assert.equal(sentBeforeOpen, 2, "each game's first was in flight before it opened");
      const claims = store.claims.length;
      await clock.tick(settings.breakerConfigHalfOpenMs - 10);
      assert.equal(publisher.calls.length, sentBeforeOpen, 'nothing is sent while open');
      assert.equal(store.claims.length, claims, 'nothing is claimed while open');
      await clock.tick(20);
      assert.equal(publisher.calls.length, sentBeforeOpen + 1, 'exactly one trial');
      assert.equal(relay.circuitState, 'open', 'the failed trial opens it again');
      assert.deepEqual(store.lastErrors(gameA)[0], '403 Forbidden', 'the refusal is recorded on the row');
      keysRejected = false;
      await clock.tick(settings.breakerConfigHalfOpenMs + 10);
      assert.equal(relay.circuitState, 'closed');
      assert.deepEqual(publisher.published(channelA), [1, 2, 3]);
      assert.deepEqual(publisher.published(channelB), [1, 2]);
      assert.equal(store.unpublished, 0);
      assert.deepEqual(
        circuit.map((c) => c.state),
        ['open', 'half_open', 'open', 'half_open', 'closed'],
      );
      await relay.stop();
    });

    it('transient failures open it at the threshold; the trial goes after the half-open delay, not before', async () => {
      const { clock, store, relay, publisher, circuit } = relayEngine({
        settings: { breakerThreshold: 2, breakerHalfOpenMs: 5000, backoffBaseMs: 100, backoffMaxMs: 200 },
      });
      let failing = 2;
      publisher.script = () =>
        failing-- > 0 ? new TransientPublishError('503 Service Unavailable', 503) : 'accept';
      store.add(gameA, 2);
      relay.start(null);
      await clock.tick(1);
      assert.equal(relay.circuitState, 'closed', 'one failure is below the threshold');
      await clock.tick(250);
      assert.equal(publisher.calls.length, 2);
      assert.equal(relay.circuitState, 'open');
      const openedAt = circuit[0]?.at ?? 0;
      await clock.tick(openedAt + 4990 - (clock.now() - epoch));
      assert.equal(publisher.calls.length, 2, 'no call before the half-open delay');
      await clock.tick(20);
      assert.equal(publisher.calls[2]?.at, epoch + openedAt + 5000, 'the trial goes when due');
      assert.equal(relay.circuitState, 'closed');
      assert.deepEqual(publisher.published(channelA), [1, 2]);
      await relay.stop();
    });
  });

  it('lease loss: events of a shard no longer held are neither published nor marked; the next owner gets them', async () => {
    let held = true;
    const { clock, store, relay, publisher } = relayEngine({ holdsShard: () => held });
    publisher.script = () => 'hold';
    store.add(gameA, 3);
    relay.start(null);
    await clock.tick(1);
    assert.equal(publisher.calls.length, 1);
    held = false;
    publisher.script = () => 'accept';
    publisher.release();
    await clock.tick(1000);
    assert.equal(publisher.calls.length, 1, 'the queued events of the lost shard are not published');
    assert.deepEqual(store.marked(gameA), [1], 'only the one PubNub accepted is marked');
    assert.equal(relay.buffered, 0, 'the lost shard’s events are forgotten, not kept in memory');
    held = true;
    relay.wake();
    await clock.tick(10);
    assert.deepEqual(publisher.published(channelA), [1, 2, 3], 'claimed again from the outbox, in order');
    await relay.stop();
  });

  it('in-flight limit: runtime control caps the publishes in flight; the next starts as one ends', async () => {
    const { clock, store, relay, publisher, apply } = relayEngine();
    apply({ relay: { concurrency: 2, publishRatePerSecond: null } });
    publisher.script = () => 'hold';
    for (const game of games) store.add(game, 1);
    relay.start(null);
    await clock.tick(10);
    assert.equal(publisher.calls.length, 2);
    assert.equal(relay.inFlight, 2);
    publisher.release();
    await clock.tick(1);
    assert.equal(publisher.calls.length, 3, 'a slot freed: the next game goes');
    assert.equal(relay.inFlight, 2);
    publisher.script = () => 'accept';
    while (publisher.holding > 0) publisher.release();
    await clock.tick(10);
    assert.equal(store.unpublished, 0);
    assert.equal(publisher.calls.length, games.length);
    await relay.stop();
  });

  it("per-game order: a game's later events wait while its first keeps failing; other games go on", async () => {
    const { clock, store, relay, publisher, settings } = relayEngine({
      settings: { backoffBaseMs: 100, backoffMaxMs: 400, breakerThreshold: 100 },
    });
    let failuresLeft = 2;
    publisher.script = (call) =>
      call.channel === channelA && failuresLeft-- > 0 ? new TransientPublishError('timeout', 0) : 'accept';
    store.add(gameA, 3);
    store.add(gameB, 2);
    relay.start(null);
    await clock.tick(1);
    assert.deepEqual(publisher.published(channelB), [1, 2], 'the other game is not held up');
    assert.deepEqual(
      publisher.calls.filter((c) => c.channel === channelA).map((c) => c.sequence),
      [1],
      'nothing after the failed event is sent',
    );
    await clock.tick(settings.backoffMaxMs * 3);
    assert.deepEqual(
      publisher.calls.filter((c) => c.channel === channelA).map((c) => c.sequence),
      [1, 1, 1, 2, 3],
    );
    assert.deepEqual(store.marked(gameA), [1, 2, 3]);
    await relay.stop();
  });
});
