import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/devstack/testing';

// Migration 0013 and its down file: the history indexes and the broadcaster's
// rights on game_transitions come and go, and the up file applies again after
// the down (the migration runner of the down convention runs these files).
const file = (name: string): string =>
  readFileSync(new URL(`../../db/migrations/${name}`, import.meta.url), 'utf8');

describe('migration 0013 (game history indexes), up and down (real PostgreSQL)', () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketchyaf_broadcaster') THEN
        CREATE ROLE sketchyaf_broadcaster NOLOGIN;
      END IF; END $$`);
  });
  after(async () => {
    await client.end();
    await db.drop();
  });

  async function state(): Promise<{ indexes: string[]; rights: boolean }> {
    const { rows } = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE indexname IN ('realtime_outbox_game_id_idx', 'game_transitions_game_id_idx')
       ORDER BY indexname`,
    );
    const rights = await client.query<{ can: boolean }>(
      `SELECT has_table_privilege('sketchyaf_broadcaster', 'game_transitions', 'SELECT, DELETE') AS can`,
    );
    return { indexes: rows.map((r) => r.indexname), rights: rights.rows[0]?.can ?? false };
  }

  it('the down file removes what the up file adds; up again restores it', async () => {
    await client.query(file('0013_game_history.sql'));
    const up = { indexes: ['game_transitions_game_id_idx', 'realtime_outbox_game_id_idx'], rights: true };
    assert.deepEqual(await state(), up, 'applied (again: IF NOT EXISTS)');
    await client.query(file('0013_game_history.down.sql'));
    assert.deepEqual(await state(), { indexes: [], rights: false });
    await client.query(file('0013_game_history.down.sql'));
    assert.deepEqual(await state(), { indexes: [], rights: false }, 'the down file runs twice');
    await client.query(file('0013_game_history.sql'));
    assert.deepEqual(await state(), up);
  });
});
