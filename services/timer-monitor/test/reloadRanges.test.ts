import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { gamesTableBlocks, loadDeadlines } from '../src/gameQueries.ts';
import { createStartedGames } from './helpers.ts';

describe('reload in block ranges on real PostgreSQL', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  it('finds every running game once across ranges, in physical order, including blocks added after the count', async () => {
    const ids = await createStartedGames(pool, 3000, () => ({ briefing: 60, drawing: 60 }), 1);
    // Finished and waiting games are left out.
    await pool.query("UPDATE games SET status = 'cancelled' WHERE id = ANY($1::uuid[])", [ids.slice(0, 100)]);
    const running = new Set(ids.slice(100));
    const blocks = await gamesTableBlocks(pool);
    assert.ok(blocks > 10, `${blocks} blocks: enough for several ranges`);
    // Games created after the count land in blocks past it: the open-ended last range reads them.
    const late = await createStartedGames(pool, 500, () => ({ briefing: 60, drawing: 60 }), 1);
    for (const id of late) running.add(id);

    const read: string[] = [];
    const step = 3;
    for (let from = 0; ; from += step) {
      const last = from + step >= blocks;
      const rows = await loadDeadlines(pool, null, 64, { from, to: last ? null : from + step });
      read.push(...rows.map((r) => r.id));
      if (last) break;
    }
    assert.equal(read.length, running.size, 'each running game once');
    assert.deepEqual(new Set(read), running);
    const { rows: physical } = await pool.query<{ id: string }>(
      'SELECT id FROM games WHERE timer_running ORDER BY ctid',
    );
    assert.deepEqual(
      read,
      physical.map((r) => r.id),
    );
  });
});
