import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '../src/index.ts';
import { exampleEvents } from './examples.ts';
import {
  checkGameOrder,
  createGames,
  metricValue,
  post,
  startTestBroadcaster,
  Subscriber,
} from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts batches of events to `games` every `everyMs` until stopped; counts what the API accepted. */
class SteadyLoad {
  accepted = 0;
  failed = 0;
  #running = true;
  readonly #done: Promise<void>;

  constructor(url: string, games: readonly string[], everyMs: number) {
    this.#done = (async () => {
      for (let i = 0; this.#running; i += 1) {
        const events = games.slice(i % 4, (i % 4) + 5).map((g) => exampleEvents(g)['vote_cast']);
        const res = await post(`${url}/v1/events/batch`, { events }).catch(() => undefined);
        if (res?.status === 202) this.accepted += events.length;
        else this.failed += 1;
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

/** Samples the circuit-state gauge every 100 ms. */
class CircuitSampler {
  readonly samples: number[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(url: string) {
    this.#done = (async () => {
      while (this.#running) {
        const text = await (await fetch(`${url}/metrics`)).text();
        const value = metricValue(text, 'sketchyaf_realtime_circuit_state');
        if (value !== undefined) this.samples.push(value);
        await sleep(100);
      }
    })();
  }

  /** True when the samples show open (2) and, after it, closed (0). */
  openedThenClosed(): boolean {
    const opened = this.samples.indexOf(2);
    return opened >= 0 && this.samples.indexOf(0, opened) > opened;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

describe('faults: nothing lost, order kept, circuit opens and closes', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let subscriber: Subscriber | undefined;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  beforeEach(async () => {
    // PubNub keeps 100 events per channel for catching up; this load puts more than that behind a 10 s outage.
    pubnub = await startPubnubLocal({ port: 0, subscribeBufferPerChannel: 1000 });
    service = await startTestBroadcaster(db.url, pubnub, {
      RELAY_BREAKER_HALF_OPEN_MS: '1000',
      RELAY_BREAKER_CONFIG_HALF_OPEN_MS: '1000',
      RELAY_SLOW_CALL_MS: '1000',
      RELAY_PUBLISH_TIMEOUT_MS: '5000',
    });
    subscriber = new Subscriber(pubnub);
    await subscriber.subscribe(['game.*']);
  });
  afterEach(async () => {
    subscriber?.stop();
    await service.stop();
    await pubnub.stop();
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  /**
   * Steady load before, during and after `fault`, then checks delivery, that
   * nothing was dead-lettered, and the circuit: opened and closed again, or
   * (`circuit: 'stays closed'`) never left closed.
   */
  async function scenario(
    fault: () => Promise<void>,
    circuit: 'opens' | 'stays closed' = 'opens',
  ): Promise<void> {
    const games = await createGames(pool, 8);
    const sampler = new CircuitSampler(service.url);
    const load = new SteadyLoad(service.url, games, 50);
    await sleep(1000);
    await fault();
    await sleep(1500);
    await load.stop();
    assert.equal(load.failed, 0, 'the API kept accepting throughout');
    const { rows } = await pool.query<{ game_id: string; n: number }>(
      'SELECT game_id::text, max(sequence)::int AS n FROM realtime_outbox WHERE game_id = ANY($1::uuid[]) GROUP BY game_id',
      [games],
    );
    const expected = new Map(rows.map((r) => [r.game_id, r.n]));
    assert.equal(
      [...expected.values()].reduce((a, b) => a + b, 0),
      load.accepted,
    );
    const messages = (): NonNullable<typeof subscriber>['messages'] => subscriber?.messages ?? [];
    await waitFor(
      'every event after recovery',
      () => (checkGameOrder(messages(), expected).length === 0 ? true : undefined),
      { timeoutMs: 45_000, intervalMs: 200 },
    ).catch(async (err: unknown) => {
      const unpublished = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND game_id = ANY($1::uuid[])',
        [games],
      );
      const problems = checkGameOrder(messages(), expected);
      throw new Error(
        `${String(err)}; unpublished: ${unpublished.rows[0]?.n}; subscriber: ${subscriber?.statuses.join(',')}; ` +
          `${problems.length} problems: ${problems.slice(0, 4).join(' | ')}`,
      );
    });
    if (circuit === 'opens') {
      await waitFor('the circuit to close again', () => (sampler.openedThenClosed() ? true : undefined), {
        timeoutMs: 10_000,
      });
      await sampler.stop();
      assert.ok(sampler.openedThenClosed(), `circuit samples: ${sampler.samples.join('')}`);
    } else {
      await sampler.stop();
      assert.ok(sampler.samples.length > 50, `circuit samples: ${sampler.samples.length}`);
      assert.ok(
        sampler.samples.every((v) => v === 0),
        `circuit samples: ${sampler.samples.join('')}`,
      );
    }
    const { rows: dead } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM realtime_outbox WHERE dead_lettered_at IS NOT NULL AND game_id = ANY($1::uuid[])',
      [games],
    );
    assert.equal(dead[0]?.n, 0, 'nothing dead-lettered');
    await waitFor('every row marked published', async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL AND game_id = ANY($1::uuid[])',
          [games],
        )
      ).rows[0]?.n === 0
        ? true
        : undefined,
    );
  }

  it('PubNub down for 10 s', async () => {
    await scenario(async () => {
      await pubnub.setFaults({ outage: { durationMs: 10_000 } });
      await waitFor('the outage to end', () => (pubnub.stats().listening ? true : undefined), {
        timeoutMs: 15_000,
      });
    });
  });

  it('a 429 storm (Retry-After honoured)', async () => {
    await scenario(async () => {
      await pubnub.setFaults({ rateLimit: { durationMs: 8000, retryAfterSeconds: 2 } });
      await sleep(8000);
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const limited =
        metricValue(text, 'sketchyaf_realtime_publish_attempts_total', 'result="rate_limited"') ?? 0;
      // With Retry-After: 2 and the circuit, 8 s of storm cost a handful of calls, not a flood.
      assert.ok(limited > 0 && limited < 80, `rate-limited attempts: ${limited}`);
    });
  });

  it('2 s of added latency: slow is not failure, the circuit stays closed', async () => {
    await scenario(async () => {
      await pubnub.setFaults({ latencyMs: 2000 });
      await sleep(8000);
      await pubnub.setFaults({ latencyMs: 0 });
    }, 'stays closed');
  });

  it('PubNub refusing the key for 8 s (403): the circuit opens, nothing is dead-lettered', async () => {
    await scenario(async () => {
      await pubnub.setFaults({ rejectPublishes: { status: 403, durationMs: 8000 } });
      await sleep(8000);
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const refused =
        metricValue(text, 'sketchyaf_realtime_publish_attempts_total', 'result="configuration"') ?? 0;
      // Open at the first refusal, one trial a second: a handful of calls, not one per event.
      assert.ok(refused > 0 && refused < 80, `refused attempts: ${refused}`);
    });
  });

  it('PubNub answering 400 "Invalid Key" for 5 s: the same, a configuration fault', async () => {
    await scenario(async () => {
      await pubnub.setFaults({ rejectPublishes: { status: 400, durationMs: 5000 } });
      await sleep(5000);
    });
  });
});
