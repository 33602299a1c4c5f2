import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase } from '@sketchyaf/testkit';
import { shardOf } from '../src/index.ts';

describe('shardOf', () => {
  it('agrees with the SQL function realtime_shard for many ids and shard counts', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const ids = Array.from({ length: 500 }, () => randomUUID());
      for (const count of [1, 7, 64, 4096]) {
        const { rows } = await client.query<{ id: string; shard: number }>(
          'SELECT id::text, realtime_shard(id, $2) AS shard FROM unnest($1::uuid[]) AS id',
          [ids, count],
        );
        for (const row of rows) assert.equal(shardOf(row.id, count), row.shard, `${row.id} of ${count}`);
      }
    } finally {
      await client.end();
      await db.drop();
    }
  });

  it('spreads ids evenly over shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i += 1) {
      const shard = shardOf(randomUUID(), 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    assert.ok(Math.min(...counts) > 700 && Math.max(...counts) < 1300, counts.join(','));
  });
});
