import { strict as assert } from 'node:assert';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { createMetricsRegistry, createPool, createSilentLogger, type PoolClient } from '../src/index.ts';

type Registry = ReturnType<typeof createMetricsRegistry>;

/** `pool label -> value` of one gauge, as a scrape reads it. */
async function gauge(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(`sketchyaf_realtime_db_pool_${name}`);
  assert.ok(metric, `no sketchyaf_realtime_db_pool_${name}`);
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values) {
    out[String(v.labels['pool'])] = v.value;
    assert.equal(v.labels['service'], undefined, 'service comes from the registry default label');
  }
  return out;
}

/** Pool gauges against a real PostgreSQL: what a scrape reports while connections are busy and queued. */
describe('database pool metrics', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const logger = createSilentLogger();

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db.drop();
  });

  it('report total, idle, waiting and max per pool, and drop a pool once it ends', async () => {
    const registry = createMetricsRegistry({ service: 'test', collectDefaults: false });
    const busy = createPool({ connectionString: db.url, applicationName: 'busy', max: 2, logger, registry });
    const quiet = createPool({
      connectionString: db.url,
      applicationName: 'quiet',
      max: 3,
      logger,
      registry,
    });
    const held: PoolClient[] = [];
    try {
      held.push(await busy.connect(), await busy.connect());
      // A third query queues behind the two checked-out connections.
      const queued = busy.query('SELECT 1');
      const idle = await quiet.connect();
      idle.release();

      assert.deepEqual(await gauge(registry, 'connections'), { busy: 2, quiet: 1 });
      assert.deepEqual(await gauge(registry, 'idle_connections'), { busy: 0, quiet: 1 });
      assert.deepEqual(await gauge(registry, 'waiting_clients'), { busy: 1, quiet: 0 });
      assert.deepEqual(await gauge(registry, 'max_connections'), { busy: 2, quiet: 3 });

      for (const c of held.splice(0)) c.release();
      await queued;
      assert.deepEqual(await gauge(registry, 'waiting_clients'), { busy: 0, quiet: 0 });
      assert.deepEqual(await gauge(registry, 'idle_connections'), { busy: 2, quiet: 1 });

      await quiet.end();
      assert.deepEqual(await gauge(registry, 'connections'), { busy: 2 });
      const text = await registry.metrics();
      assert.match(text, /sketchyaf_realtime_db_pool_connections\{pool="busy",service="test"\} 2/);
    } finally {
      for (const c of held) c.release();
      await busy.end();
      if (!quiet.ended) await quiet.end();
    }
  });

  it('leave a pool created without a registry unmetered', async () => {
    const registry = createMetricsRegistry({ service: 'test', collectDefaults: false });
    const pool = createPool({ connectionString: db.url, applicationName: 'plain', logger });
    try {
      await pool.query('SELECT 1');
      assert.equal(registry.getSingleMetric('sketchyaf_realtime_db_pool_connections'), undefined);
    } finally {
      await pool.end();
    }
  });
});
