import { strict as assert } from 'node:assert';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';

describe('games triggers (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 60 });
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  async function newGame(fields: { totalRounds?: number; durations?: object } = {}): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO games (total_rounds, phase_durations) VALUES ($1, $2) RETURNING id',
      [fields.totalRounds ?? 2, JSON.stringify(fields.durations ?? {})],
    );
    const row = rows[0];
    assert.ok(row);
    return row.id;
  }

  async function counts(gameId: string): Promise<{ outbox: number; audit: number }> {
    const { rows } = await pool.query<{ outbox: number; audit: number }>(
      `SELECT (SELECT count(*)::int FROM realtime_outbox WHERE game_id = $1) AS outbox,
              (SELECT count(*)::int FROM game_transitions WHERE game_id = $1) AS audit`,
      [gameId],
    );
    const row = rows[0];
    assert.ok(row);
    return row;
  }

  it('starting a game sets its timer in database time and writes one phase_changed event', async () => {
    const id = await newGame({ durations: { briefing: 2.5 } });
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    const { rows } = await pool.query<{ seconds: number; version: string; sequence: string; age: number }>(
      `SELECT extract(epoch FROM phase_expires_at - phase_started_at)::float8 AS seconds, version,
              last_event_sequence AS sequence, extract(epoch FROM clock_timestamp() - phase_started_at)::float8 AS age
       FROM games WHERE id = $1`,
      [id],
    );
    const game = rows[0];
    assert.ok(game);
    assert.equal(game.seconds, 2.5);
    assert.equal(game.version, '1');
    assert.equal(game.sequence, '1');
    assert.ok(game.age >= 0 && game.age < 5);
    const events = await pool.query<{
      type: string;
      channel: string;
      sequence: string;
      payload: Record<string, unknown>;
    }>('SELECT type, channel, sequence, payload FROM realtime_outbox WHERE game_id = $1', [id]);
    assert.equal(events.rows.length, 1);
    const event = events.rows[0];
    assert.ok(event);
    assert.equal(event.type, 'phase_changed');
    assert.equal(event.channel, `game.${id}`);
    assert.equal(event.sequence, '1');
    assert.equal(event.payload['from'], 'waiting');
    assert.equal(event.payload['to'], 'briefing');
    assert.equal(event.payload['round'], 1);
    assert.equal(typeof event.payload['phaseExpiresAt'], 'string');
  });

  it('applies default durations for phases missing from phase_durations', async () => {
    const id = await newGame({ durations: { briefing: 1 } });
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    await pool.query("UPDATE games SET status = 'drawing' WHERE id = $1", [id]);
    const { rows } = await pool.query<{ seconds: number }>(
      'SELECT extract(epoch FROM phase_expires_at - phase_started_at)::float8 AS seconds FROM games WHERE id = $1',
      [id],
    );
    assert.equal(rows[0]?.seconds, 60);
  });

  it('allows exactly the transitions of the design, from every status', async () => {
    const statuses = ['waiting', 'briefing', 'drawing', 'voting', 'results', 'completed', 'cancelled'];
    const expected: Record<string, string[]> = {
      waiting: ['briefing', 'cancelled'],
      briefing: ['drawing', 'cancelled'],
      drawing: ['voting', 'cancelled'],
      voting: ['results', 'cancelled'],
      results: ['briefing', 'completed', 'cancelled'],
      completed: [],
      cancelled: [],
    };
    for (const from of statuses) {
      const { rows } = await pool.query<{ next: string[] }>(
        'SELECT realtime_allowed_next_statuses($1) AS next',
        [from],
      );
      assert.deepEqual(rows[0]?.next, expected[from], `from ${from}`);
    }
    const timed = await pool.query<{ s: string; r: number; t: number; next: string | null }>(
      `SELECT s, r, t, realtime_next_timed_status(s, r, t) AS next
       FROM unnest($1::text[]) AS s, (VALUES (1, 2), (2, 2)) AS rt(r, t) ORDER BY s, r`,
      [statuses],
    );
    const table = timed.rows.map((row) => `${row.s}@${row.r}/${row.t}:${row.next ?? '-'}`);
    assert.deepEqual(table, [
      'briefing@1/2:drawing',
      'briefing@2/2:drawing',
      'cancelled@1/2:-',
      'cancelled@2/2:-',
      'completed@1/2:-',
      'completed@2/2:-',
      'drawing@1/2:voting',
      'drawing@2/2:voting',
      'results@1/2:briefing',
      'results@2/2:completed',
      'voting@1/2:results',
      'voting@2/2:results',
      'waiting@1/2:-',
      'waiting@2/2:-',
    ]);
  });

  it('rejects an invalid transition with SQLSTATE SK001 and writes nothing', async () => {
    const id = await newGame();
    await assert.rejects(
      pool.query("UPDATE games SET status = 'voting' WHERE id = $1", [id]),
      (err: unknown) => {
        const e = err as { code?: string; message?: string; detail?: string };
        assert.equal(e.code, 'SK001');
        assert.match(e.message ?? '', /invalid game transition waiting -> voting/);
        assert.match(e.detail ?? '', /Allowed from waiting: briefing, cancelled/);
        return true;
      },
    );
    const { rows } = await pool.query<{ status: string; version: string }>(
      'SELECT status, version FROM games WHERE id = $1',
      [id],
    );
    assert.deepEqual(rows[0], { status: 'waiting', version: '0' });
    assert.deepEqual(await counts(id), { outbox: 0, audit: 0 });
  });

  it('rejects leaving a terminal status, and creating a game in any status but waiting', async () => {
    const id = await newGame();
    await pool.query("UPDATE games SET status = 'cancelled' WHERE id = $1", [id]);
    await assert.rejects(
      pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]),
      (err: unknown) => {
        assert.match(
          (err as { detail?: string }).detail ?? '',
          /Allowed from cancelled: none \(terminal status\)/,
        );
        return true;
      },
    );
    await assert.rejects(pool.query("INSERT INTO games (status) VALUES ('drawing')"), { code: 'SK002' });
  });

  it('rejects results -> completed while rounds remain and results -> briefing after the last', async () => {
    const id = await newGame({ totalRounds: 2 });
    for (const s of ['briefing', 'drawing', 'voting', 'results']) {
      await pool.query('UPDATE games SET status = $2 WHERE id = $1', [id, s]);
    }
    await assert.rejects(
      pool.query("UPDATE games SET status = 'completed' WHERE id = $1", [id]),
      /rounds remain/,
    );
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    const round = await pool.query<{ current_round: number }>(
      'SELECT current_round FROM games WHERE id = $1',
      [id],
    );
    assert.equal(round.rows[0]?.current_round, 2);
    for (const s of ['drawing', 'voting', 'results']) {
      await pool.query('UPDATE games SET status = $2 WHERE id = $1', [id, s]);
    }
    await assert.rejects(
      pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]),
      /was the last/,
    );
    await pool.query("UPDATE games SET status = 'completed' WHERE id = $1", [id]);
    const done = await pool.query<{ phase_expires_at: Date | null }>(
      'SELECT phase_expires_at FROM games WHERE id = $1',
      [id],
    );
    assert.equal(done.rows[0]?.phase_expires_at, null);
  });

  it('rejects malformed phase_durations', async () => {
    await assert.rejects(pool.query(`INSERT INTO games (phase_durations) VALUES ('{"drawing": "long"}')`), {
      code: 'SK003',
    });
    await assert.rejects(pool.query(`INSERT INTO games (phase_durations) VALUES ('{"voting": 0}')`), {
      code: 'SK003',
    });
  });

  it('rejects malformed phase_durations set by an UPDATE, and accepts a valid change', async () => {
    const id = await newGame();
    await assert.rejects(
      pool.query(`UPDATE games SET phase_durations = '[1, 2]', status = 'briefing' WHERE id = $1`, [id]),
      { code: 'SK003', message: /invalid phase_durations/ },
    );
    assert.deepEqual(await counts(id), { outbox: 0, audit: 0 });
    await pool.query(
      `UPDATE games SET phase_durations = '{"briefing": 7}', status = 'briefing' WHERE id = $1`,
      [id],
    );
    const { rows } = await pool.query<{ seconds: number }>(
      'SELECT extract(epoch FROM phase_expires_at - phase_started_at)::float8 AS seconds FROM games WHERE id = $1',
      [id],
    );
    assert.equal(rows[0]?.seconds, 7);
  });

  it('writes the phase_changed payload exactly as jsonb_build_object of the game would', async () => {
    const id = await newGame({ totalRounds: 1, durations: { briefing: 1.000001 } });
    // Through every status to completed: the last payload has no deadline (null).
    for (const status of ['briefing', 'drawing', 'voting', 'results', 'completed'])
      await pool.query('UPDATE games SET status = $2 WHERE id = $1', [id, status]);
    const { rows } = await pool.query<{ sequence: string; same: boolean; payload: Record<string, unknown> }>(
      `SELECT o.sequence, o.payload,
              o.payload = jsonb_build_object('from', t.from_status, 'to', t.to_status, 'round', t.round,
                                             'totalRounds', 1, 'version', t.version,
                                             'phaseStartedAt', o.occurred_at,
                                             'phaseExpiresAt', (o.payload->>'phaseExpiresAt')::timestamptz) AS same
       FROM realtime_outbox o JOIN game_transitions t ON t.game_id = o.game_id AND t.version = o.sequence
       WHERE o.game_id = $1 ORDER BY o.sequence`,
      [id],
    );
    assert.equal(rows.length, 5);
    for (const row of rows)
      assert.ok(row.same, `payload of event ${row.sequence}: ${JSON.stringify(row.payload)}`);
    assert.equal(rows[4]?.payload['phaseExpiresAt'], null);
    assert.match(
      String(rows[0]?.payload['phaseExpiresAt']),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d$/,
    );
  });

  it('50 concurrent status updates on one game produce contiguous sequences 1..50', async () => {
    const id = await newGame({ totalRounds: 20 });
    const advance = `UPDATE games SET status = CASE status
        WHEN 'waiting' THEN 'briefing' WHEN 'briefing' THEN 'drawing' WHEN 'drawing' THEN 'voting'
        WHEN 'voting' THEN 'results' WHEN 'results' THEN 'briefing' END
      WHERE id = $1`;
    await Promise.all(Array.from({ length: 50 }, () => pool.query(advance, [id])));
    const { rows } = await pool.query<{ sequence: string }>(
      'SELECT sequence FROM realtime_outbox WHERE game_id = $1 ORDER BY sequence',
      [id],
    );
    assert.deepEqual(
      rows.map((r) => Number(r.sequence)),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const versions = await pool.query<{ n: number; distinct_versions: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT version)::int AS distinct_versions FROM game_transitions WHERE game_id = $1',
      [id],
    );
    assert.deepEqual(versions.rows[0], { n: 50, distinct_versions: 50 });
  });

  it('the outbox row and the status change commit or roll back together', async () => {
    const id = await newGame();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
      const inside = await client.query('SELECT 1 FROM realtime_outbox WHERE game_id = $1', [id]);
      assert.equal(inside.rowCount, 1);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.deepEqual(await counts(id), { outbox: 0, audit: 0 });
    const status = await pool.query<{ status: string }>('SELECT status FROM games WHERE id = $1', [id]);
    assert.equal(status.rows[0]?.status, 'waiting');

    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    assert.deepEqual(await counts(id), { outbox: 1, audit: 1 });
  });

  it('updates that do not change the status write no event', async () => {
    const id = await newGame();
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    await pool.query('UPDATE games SET total_rounds = 3 WHERE id = $1', [id]);
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    assert.deepEqual(await counts(id), { outbox: 1, audit: 1 });
  });

  it('refuses to move last_event_sequence back (SK004), the one way sequences could repeat', async () => {
    const id = await newGame();
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    await assert.rejects(pool.query('UPDATE games SET last_event_sequence = 0 WHERE id = $1', [id]), {
      code: 'SK004',
      message: /cannot go back from 1 to 0/,
    });
  });

  it('keeps timer_running equal to "has a deadline", and makes timed transitions HOT updates', async () => {
    const id = await newGame({ totalRounds: 1 });
    const running = async (): Promise<boolean | undefined> =>
      (await pool.query<{ r: boolean }>('SELECT timer_running AS r FROM games WHERE id = $1', [id])).rows[0]
        ?.r;
    assert.equal(await running(), false);
    await pool.query("UPDATE games SET status = 'briefing' WHERE id = $1", [id]);
    assert.equal(await running(), true);

    // Counters of this backend not yet flushed to the shared statistics: exact, nothing to wait for.
    const client = await pool.connect();
    try {
      const read = async (): Promise<{ updated: number; hot: number }> => {
        const { rows } = await client.query<{ updated: number; hot: number }>(
          `SELECT pg_stat_get_xact_tuples_updated('games'::regclass)::int AS updated,
                  pg_stat_get_xact_tuples_hot_updated('games'::regclass)::int AS hot`,
        );
        return rows[0] ?? { updated: Number.NaN, hot: Number.NaN };
      };
      await client.query('BEGIN');
      const before = await read();
      for (const to of ['drawing', 'voting', 'results'])
        await client.query('UPDATE games SET status = $2 WHERE id = $1', [id, to]);
      const after = await read();
      await client.query('COMMIT');
      assert.deepEqual(
        { updated: after.updated - before.updated, hot: after.hot - before.hot },
        { updated: 3, hot: 3 },
      );
    } finally {
      client.release();
    }
    await pool.query('UPDATE games SET phase_expires_at = NULL WHERE id = $1', [id]);
    assert.equal(await running(), false, 'the backend clearing a deadline stops the timer');
    await pool.query('UPDATE games SET phase_expires_at = clock_timestamp() WHERE id = $1', [id]);
    assert.equal(await running(), true);
    await pool.query("UPDATE games SET status = 'completed' WHERE id = $1", [id]);
    assert.equal(await running(), false);
  });
});
