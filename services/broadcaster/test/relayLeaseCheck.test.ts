import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createMetricsRegistry, createSilentLogger, systemClock } from '@sketchyaf/core';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { createBroadcasterMetrics } from '../src/metrics.ts';
import { OutboxRelay } from '../src/relay/outboxRelay.ts';
import { postgresOutboxStore } from '../src/relay/outboxStore.ts';
import type { Publisher } from '../src/relay/pubnubPublisher.ts';
import { loadBroadcasterConfig, type Envelope } from '../src/index.ts';
import { createGames } from './helpers.ts';

/** Records what is published; the first publish waits until `release()`. */
function gatedPublisher(): { publisher: Publisher; sequences: number[]; release: () => void } {
  const sequences: number[] = [];
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const publisher: Publisher = {
    async publish(_channel: string, message: Envelope): Promise<string> {
      sequences.push(message.sequence ?? 0);
      if (sequences.length === 1) await gate;
      return String(Date.now() * 10_000);
    },
    close: () => undefined,
  };
  return { publisher, sequences, release: () => release() };
}

describe('outbox relay: the lease is checked again just before each publish', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  async function unpublished(): Promise<number[]> {
    const { rows } = await pool.query<{ sequence: string }>(
      'SELECT sequence::text FROM realtime_outbox WHERE published_at IS NULL ORDER BY sequence',
    );
    return rows.map((r) => Number(r.sequence));
  }

  it('a lost lease drops the claimed events unmarked; once held again they go out in order', async () => {
    const [gameId = ''] = await createGames(pool, 1, { start: true });
    await pool.query("UPDATE games SET status = 'drawing' WHERE id = $1", [gameId]);
    await pool.query("UPDATE games SET status = 'voting' WHERE id = $1", [gameId]);
    assert.deepEqual(await unpublished(), [1, 2, 3]);

    let holds = true;
    const { publisher, sequences, release } = gatedPublisher();
    const relay = new OutboxRelay({
      store: postgresOutboxStore(pool),
      publisher,
      logger: createSilentLogger('relay'),
      metrics: createBroadcasterMetrics(createMetricsRegistry({ service: 'relay', collectDefaults: false })),
      clock: systemClock,
      settings: { ...loadBroadcasterConfig({ LOG_LEVEL: 'silent' }).relay, shardCount: 4 },
      holdsShard: () => holds,
    });
    try {
      relay.start(null);
      await waitFor('the first publish in flight', () => (sequences.length === 1 ? true : undefined));
      assert.equal(relay.buffered, 3, 'the three events are claimed');
      holds = false;
      release();
      await waitFor('the events after the lease loss dropped', async () =>
        relay.buffered === 0 && (await unpublished()).length === 2 ? true : undefined,
      );
      assert.deepEqual(sequences, [1], 'nothing published without the lease');
      assert.deepEqual(await unpublished(), [2, 3], 'dropped events are not marked');

      holds = true;
      relay.wake();
      await waitFor('the rest published', async () =>
        (await unpublished()).length === 0 ? true : undefined,
      );
      assert.deepEqual(sequences, [1, 2, 3]);
    } finally {
      await relay.stop();
    }
  });
});
