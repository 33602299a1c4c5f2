import { EventEmitter } from 'node:events';
import {
  backoffDelay,
  backoffPresets,
  describeDatabaseError,
  errorFields,
  sleep,
  WakeTimer,
  type Clock,
  type Logger,
  type SchemaMissingWatch,
} from '@sketchyaf/core';
import type { RelaySettings } from '../config.ts';
import type { OutboxRow, OutboxStore } from './outboxStore.ts';
import { outboxShardOf } from '../events/channels.ts';
import type { BroadcasterMetrics } from '../metrics.ts';
import { planRetry } from './backoff.ts';
import { nextClaimSize } from './claimSize.ts';
import { publishSlots } from './publishSlots.ts';
import { dispatchPlan, mayClaim, type RelayGateState } from './relayGates.ts';
import { writeDeadLetter } from './deadLetters.ts';
import { KeyedQueue, type Keyed } from './keyedQueue.ts';
import { attemptPublish } from './publishAttempt.ts';
import type { CircuitFailure } from './circuitPolicy.ts';
import { circuitGaugeValue, PublishCircuit, type CircuitStateName } from './publishCircuit.ts';
import { PublishedMarks } from './publishedMarks.ts';
import { StallMeter } from './stallMeter.ts';
import type { RelayLimits } from '../control/relayLimits.ts';
import type { Publisher } from './pubnubPublisher.ts';
import { RelayWakefulness, wakefulnessTimings } from './relayWakefulness.ts';

/**
 * What happened to an event, for `?wait=published` callers and tests; told
 * once it is recorded in the outbox (published_at or dead_lettered_at), so a
 * caller who reads the row next sees the same.
 */
export interface DeliveryEvent {
  eventId: string;
  outboxId: string;
  channel: string;
  sequence: number | null;
  outcome: { state: 'published'; timetoken: string } | { state: 'dead_lettered'; error: string };
}

export interface RelayDeps {
  /** The outbox: PostgreSQL in service (postgresOutboxStore), in memory in unit tests. */
  store: OutboxStore;
  publisher: Publisher;
  logger: Logger;
  metrics: BroadcasterMetrics;
  clock: Clock;
  settings: RelaySettings & { shardCount: number };
  /** Whether this replica still holds a shard's lease; checked at claim time and before each publish. */
  holdsShard?: (shard: number) => boolean;
  /** Runtime control (pause, concurrency, publish rate), read before each claim and publish. */
  limits?: RelayLimits;
  /** Told when a missing schema keeps failing the claims: the service cannot work (SchemaMissingWatch). */
  schemaMissing?: SchemaMissingWatch;
}

/**
 * Caught up with the outbox but woken again meanwhile (every commit that
 * writes events NOTIFYs): wait this long before the next claim, so that it
 * takes a handful of events rather than one or two. Bench at 2,000 events/s:
 * 229 claim statements instead of 780 for the same 13,000 events.
 */
const claimGatherMs = 2;

interface Claimed extends Keyed {
  row: OutboxRow;
  /** Consecutive failures in the current round of retries. */
  failures: number;
  /** Attempts not yet written to the row. */
  attempts: number;
}

/**
 * Moves outbox events to PubNub: claims the oldest unpublished events,
 * publishes each game's events one at a time in sequence order (many games
 * at once), then marks them published. Behind a circuit breaker: while open,
 * nothing is claimed and events wait in the outbox; on close they drain in order.
 */
export class OutboxRelay extends EventEmitter<{ delivered: [DeliveryEvent]; circuit: [CircuitStateName] }> {
  readonly #deps: RelayDeps;
  readonly #queue = new KeyedQueue<Claimed>();
  readonly #circuit: PublishCircuit;
  readonly #marks: PublishedMarks;
  readonly #publishes = new Set<Promise<void>>();
  #owned: ReadonlySet<number> | null = null;
  #running = false;
  #fetching: Promise<void> | undefined;
  #fetchAgain = false;
  #fetchFailures = 0;
  /** The previous claim: its limit and whether it came back full (a backlog waits). */
  #previousClaim = { limit: 0, full: false };
  #fetchBackoffUntil = 0;
  #rateLimitedUntil = 0;
  #trialInFlight = false;
  readonly #timer: WakeTimer;
  readonly #stalls: StallMeter;
  readonly #wakefulness: RelayWakefulness;
  /** Went to sleep after an empty claim: the next claim is the check for events committed without a NOTIFY. */
  #recheck = false;

  constructor(deps: RelayDeps) {
    super();
    this.#deps = deps;
    this.#wakefulness = new RelayWakefulness(
      deps.store,
      deps.clock,
      wakefulnessTimings(deps.settings.pollIntervalMs),
    );
    this.#marks = new PublishedMarks(deps.store, deps.logger, deps.clock, () => {
      this.#updateGauges();
      this.#requestFetch();
    });
    this.#timer = new WakeTimer(deps.clock, () => this.wake());
    this.#stalls = new StallMeter(deps.clock, {
      onStall: (ms) => {
        deps.logger.warn('this process was frozen; publishes in flight meanwhile do not count as slow', {
          frozenMs: Math.round(ms),
        });
      },
    });
    deps.metrics.circuitState.set(circuitGaugeValue.closed);
    deps.metrics.pubnubKeysRejected.set(0);
    this.#circuit = new PublishCircuit({
      clock: deps.clock,
      threshold: deps.settings.breakerThreshold,
      halfOpenAfterMs: deps.settings.breakerHalfOpenMs,
      configurationHalfOpenAfterMs: deps.settings.breakerConfigHalfOpenMs,
      onStateChange: (state, cause) => this.#onCircuit(state, cause),
    });
  }

  get circuitState(): CircuitStateName {
    return this.#circuit.state;
  }

  /** Publishes in flight. */
  get inFlight(): number {
    return this.#publishes.size;
  }

  /** Events held in memory: queued, in flight, or published and awaiting their mark. */
  get buffered(): number {
    return this.#queue.size + this.#marks.size;
  }

  start(ownedShards: ReadonlySet<number> | null): void {
    this.#owned = ownedShards;
    this.#running = true;
    this.#stalls.start();
    this.wake();
  }

  /** Stops claiming, lets publishes in flight finish (bounded by the publish timeout), records them. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#timer.disarm();
    this.#stalls.stop();
    await this.#fetching;
    await Promise.allSettled([...this.#publishes]);
    await this.#marks.stop().catch(() => undefined);
    // Best effort: a row left behind is forgotten by the other relays.
    await this.#wakefulness.gone().catch(() => undefined);
  }

  /** New events may be waiting (NOTIFY, poll, redrive). */
  wake(): void {
    this.#requestFetch();
    this.#dispatch();
  }

  /** The database answers again (the listener reconnected): claim now, not at the end of the claim back-off. */
  databaseBack(): void {
    this.#fetchBackoffUntil = 0;
    this.wake();
  }

  /** Restricts the relay to some shards (null: all); drops queued events of the others. */
  setOwnedShards(shards: ReadonlySet<number> | null): void {
    this.#owned = shards;
    if (shards !== null) {
      const { shardCount } = this.#deps.settings;
      this.#queue.removeWhere((c) => !shards.has(outboxShardOf(c.row.game_id, c.row.channel, shardCount)));
    }
    this.wake();
  }

  #mayPublish(shard: number): boolean {
    const owned = this.#owned;
    return (owned === null || owned.has(shard)) && (this.#deps.holdsShard?.(shard) ?? true);
  }

  /**
   * The lease of the shard is gone: forget the event and the queued ones of
   * its shard without marking them; the shard's new owner claims them from the
   * database, in order.
   */
  #dropShard(item: Claimed, shard: number): void {
    const { shardCount } = this.#deps.settings;
    this.#queue.complete(item);
    this.#queue.removeWhere((c) => outboxShardOf(c.row.game_id, c.row.channel, shardCount) === shard);
    this.#deps.logger.debug('lease lost before publishing: events left to the next owner', {
      shard,
      ...eventFields(item),
    });
  }

  #onCircuit(state: CircuitStateName, cause: CircuitFailure | null): void {
    const { metrics, logger } = this.#deps;
    metrics.circuitState.set(circuitGaugeValue[state]);
    if (state === 'open' && cause === 'configuration')
      logger.error(
        'PubNub refuses our keys or keyset: publishing paused, events wait in the outbox (runbook PubNubKeysRejected)',
        { retryEveryMs: this.#deps.settings.breakerConfigHalfOpenMs },
      );
    else if (state === 'open')
      logger.warn('PubNub circuit open: publishing paused, events wait in the outbox', { cause });
    else logger.info(`PubNub circuit ${state.replace('_', '-')}`);
    // PubNub is back: whatever was backing off may go at once.
    if (state === 'closed') this.#queue.clearDelays();
    this.emit('circuit', state);
    this.wake();
  }

  #gateState(now: number): RelayGateState {
    return {
      now,
      running: this.#running,
      paused: this.#deps.limits?.paused === true,
      circuit: this.#circuit.state,
      trialDueAt: this.#circuit.trialDueAt,
    };
  }

  #canClaim(now: number): boolean {
    return mayClaim({
      ...this.#gateState(now),
      claimBackoffUntil: this.#fetchBackoffUntil,
      queued: this.#queue.size,
    });
  }

  #claimFailed(err: unknown): void {
    const { clock, logger } = this.#deps;
    this.#fetchFailures += 1;
    const delay = backoffDelay(this.#fetchFailures, backoffPresets.databaseRetry);
    this.#fetchBackoffUntil = clock.now() + delay;
    logger.warn('claiming outbox events failed', {
      ...errorFields(err),
      retryInMs: delay,
    });
    this.#deps.schemaMissing?.failed('outbox relay: claiming outbox events failed', err);
    this.#arm(this.#fetchBackoffUntil);
  }

  #requestFetch(): void {
    if (!this.#running) return;
    if (this.#fetching) {
      this.#fetchAgain = true;
      return;
    }
    this.#fetching = this.#fetchLoop().finally(() => {
      this.#fetching = undefined;
    });
  }

  async #fetchLoop(): Promise<void> {
    const { store, settings, clock } = this.#deps;
    do {
      this.#fetchAgain = false;
      if (!this.#canClaim(clock.now())) return;
      const limit = nextClaimSize(settings, {
        buffered: this.buffered,
        previousLimit: this.#previousClaim.limit,
        previousFull: this.#previousClaim.full,
      });
      if (limit === 0) return;
      let rows: OutboxRow[];
      const recheck = this.#recheck;
      this.#recheck = false;
      try {
        if (!recheck) await this.#wakefulness.awake();
        rows = await store.claim({
          heldIds: [...this.#queue.heldIds(), ...this.#marks.ids()],
          shards: this.#owned === null ? null : [...this.#owned],
          shardCount: settings.shardCount,
          limit,
        });
        this.#fetchFailures = 0;
        this.#deps.schemaMissing?.succeeded();
      } catch (err) {
        this.#claimFailed(err);
        return;
      }
      this.#previousClaim = { limit, full: rows.length === limit };
      if (!this.#running) return;
      const mine = rows.filter((r) =>
        this.#mayPublish(outboxShardOf(r.game_id, r.channel, settings.shardCount)),
      );
      this.#queue.add(mine.map((row) => ({ id: row.id, key: row.channel, row, failures: 0, attempts: 0 })));
      this.#updateGauges();
      this.#dispatch();
      if (rows.length === limit) this.#fetchAgain = true;
      else if (this.#fetchAgain) await this.#pause(claimGatherMs);
      else if (recheck && rows.length === 0)
        break; // asleep: writers NOTIFY from now on
      else if (!(await this.#fallAsleep(rows.length > 0 || recheck))) return;
    } while (this.#fetchAgain && this.#running);
  }

  /**
   * After a claim that took what there was, and no NOTIFY came meanwhile:
   * while events keep coming, stay awake and claim again after the gather
   * pause (writers do not NOTIFY an awake relay); after an empty claim, go to
   * sleep and claim once more. False when the database failed (backing off).
   */
  async #fallAsleep(tookSome: boolean): Promise<boolean> {
    this.#fetchAgain = true;
    try {
      if (!tookSome && (await this.#wakefulness.sleep())) {
        this.#recheck = true;
        return true;
      }
    } catch (err) {
      this.#claimFailed(err);
      return false;
    }
    await this.#pause(claimGatherMs);
    return true;
  }

  #pause(ms: number): Promise<void> {
    return sleep(ms, this.#deps.clock);
  }

  #dispatch(): void {
    const { clock, settings } = this.#deps;
    const now = clock.now();
    const plan = dispatchPlan({
      ...this.#gateState(now),
      rateLimitedUntil: this.#rateLimitedUntil,
      trialInFlight: this.#trialInFlight,
    });
    if (plan.kind === 'off') return;
    let wakeAt = this.#queue.nextReadyAt() ?? Number.POSITIVE_INFINITY;
    if (plan.kind === 'wait') wakeAt = plan.until;
    else if (plan.kind === 'trial') {
      const item = this.#queue.take(now);
      if (item) this.#launch(item, true);
      else this.#requestFetch();
    } else if (plan.kind === 'fill') {
      const limits = this.#deps.limits;
      const runtimeLimit = limits?.concurrency ?? settings.concurrency;
      const slots = (): number =>
        publishSlots(settings, {
          runtimeLimit,
          inFlight: this.#queue.inFlight,
          readyKeys: this.#queue.readyKeys,
        });
      while (this.#queue.inFlight < slots()) {
        const delay = limits?.startDelay(now) ?? 0;
        if (delay > 0) {
          wakeAt = Math.min(wakeAt, now + delay);
          break;
        }
        const item = this.#queue.take(now);
        if (!item) break;
        limits?.started(now);
        this.#launch(item, false);
      }
    }
    this.#arm(wakeAt);
  }

  #launch(item: Claimed, trial: boolean): void {
    if (trial) this.#trialInFlight = true;
    const run = this.#publish(item)
      .catch((err: unknown) => {
        this.#deps.logger.error('relay publish step failed', { ...eventFields(item), ...errorFields(err) });
      })
      .finally(() => {
        if (trial) this.#trialInFlight = false;
        this.#publishes.delete(run);
        this.#updateGauges();
        this.#dispatch();
        this.#requestFetch();
      });
    this.#publishes.add(run);
    this.#updateGauges();
  }

  async #publish(item: Claimed): Promise<void> {
    const { publisher, metrics, settings, clock } = this.#deps;
    const { row } = item;
    const sequence = row.sequence === null ? null : Number(row.sequence);
    const shard = outboxShardOf(row.game_id, row.channel, settings.shardCount);
    if (!this.#mayPublish(shard)) {
      this.#dropShard(item, shard);
      return;
    }
    const outcome = await attemptPublish(
      this.#circuit,
      publisher,
      row,
      settings.slowCallMs,
      this.#stalls,
      this.#deps.clock,
    );
    const now = clock.now();
    if (outcome.kind === 'rejected') {
      // Not sent; not an attempt. A short pause keeps a not-quite-due trial from spinning.
      metrics.publishAttempts.inc({ result: 'rejected' });
      this.#queue.retry(item, now + 10, now);
      return;
    }
    item.attempts += 1;
    metrics.publishDuration.observe(
      { result: outcome.kind === 'published' ? 'success' : 'failure' },
      outcome.ms / 1000,
    );
    // PubNub answered about the event itself: our keys are accepted again.
    if (outcome.kind === 'published' || outcome.kind === 'poison') metrics.pubnubKeysRejected.set(0);
    if (outcome.kind === 'published') {
      metrics.publishAttempts.inc({ result: outcome.slow ? 'slow' : 'published' });
      metrics.publishLag.observe(Math.max(0, now - row.created_at.getTime()) / 1000);
      this.#queue.complete(item);
      const delivered: DeliveryEvent = {
        eventId: row.event_id,
        outboxId: row.id,
        channel: row.channel,
        sequence,
        outcome: { state: 'published', timetoken: outcome.timetoken },
      };
      void this.#marks
        .add({ id: item.id, timetoken: outcome.timetoken, attempts: item.attempts })
        .then((recorded) => {
          if (recorded) this.emit('delivered', delivered);
        });
      return;
    }
    metrics.publishAttempts.inc({ result: outcome.kind });
    if (outcome.kind === 'poison') {
      await this.#deadLetter(item, outcome.error.message);
      return;
    }
    if (outcome.kind === 'configuration') {
      metrics.pubnubKeysRejected.set(1);
      // Never dead-lettered: the event is not to blame. Its attempts go on the row at once, so an
      // operator reading the outbox sees why it waits.
      void this.#deps.store
        .recordFailures(item.id, outcome.error.message, item.attempts)
        .catch((err: unknown) => {
          // Only the trace is lost: the event stays unpublished in the outbox either way.
          this.#deps.logger.warn('recording a refused publish failed', {
            cause: describeDatabaseError(err),
            ...errorFields(err),
            ...eventFields(item),
          });
        });
      item.attempts = 0;
      // The open circuit paces the retries (one trial per RELAY_BREAKER_CONFIG_HALF_OPEN_MS); a
      // per-event back-off on top would only delay the trial, and the drain, after the keys are fixed.
      this.#queue.retry(item, now, now);
      return;
    }
    item.failures += 1;
    const retryAfterMs = outcome.kind === 'rate_limited' ? outcome.retryAfterMs : undefined;
    if (retryAfterMs !== undefined)
      this.#rateLimitedUntil = Math.max(this.#rateLimitedUntil, now + retryAfterMs);
    const plan = planRetry(item.failures, retryAfterMs, {
      baseMs: settings.backoffBaseMs,
      maxMs: settings.backoffMaxMs,
      maxAttempts: settings.maxAttempts,
    });
    if (plan.endOfRound) {
      // A round of retries is used up: leave a trace on the row, then wait longer. Never dropped.
      void this.#deps.store
        .recordFailures(item.id, outcome.error.message, item.attempts)
        .catch(() => undefined);
      item.attempts = 0;
      item.failures = 0;
    }
    this.#queue.retry(item, now + plan.delayMs, now);
  }

  /** PubNub refused the event for good. The game's next event waits until this is recorded. */
  async #deadLetter(item: Claimed, error: string): Promise<void> {
    const { store, metrics, logger } = this.#deps;
    const entry = { id: item.id, error, attempts: item.attempts, logFields: eventFields(item) };
    if (!(await writeDeadLetter(store, logger, entry, () => this.#running, this.#deps.clock))) return;
    metrics.deadLettered.inc();
    logger.warn('event dead-lettered: PubNub refused it', {
      ...eventFields(item),
      channel: item.row.channel,
      error,
    });
    this.#queue.complete(item);
    this.emit('delivered', {
      eventId: item.row.event_id,
      outboxId: item.id,
      channel: item.row.channel,
      sequence: item.row.sequence === null ? null : Number(item.row.sequence),
      outcome: { state: 'dead_lettered', error },
    });
  }

  #updateGauges(): void {
    this.#deps.metrics.relayBuffered.set(this.buffered);
    this.#deps.metrics.relayInFlight.set(this.#publishes.size);
  }

  #arm(at: number): void {
    if (this.#running) this.#timer.armEarliest(at);
  }
}

/** Which event a log line is about: its outbox row, event, game (when it has one) and the request that wrote it. */
function eventFields(item: Claimed): Record<string, string> {
  const { row } = item;
  return {
    outboxId: item.id,
    eventId: row.event_id,
    ...(row.game_id === null ? {} : { gameId: row.game_id }),
    requestId: row.request_id,
  };
}
