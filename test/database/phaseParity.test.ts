// The phase rules in TypeScript (packages/core/src/gamePhases.ts) and in the
// games trigger accept exactly the same writes: every (from, to) pair, with a
// round left and on the last round, is tried against the real trigger.
import { strict as assert } from 'node:assert';
import pg from 'pg';
import {
  allowedNextStatuses,
  gameStatuses,
  nextTimedStatus,
  transitionAllowed,
  type GameStatus,
  type Rounds,
} from '@sketchyaf/core';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';

const oneRound: readonly GameStatus[] = ['briefing', 'drawing', 'voting', 'results'];

/** Writes that bring a new game of `totalRounds` rounds to `status` by allowed transitions (round 1, but for completed). */
function pathTo(status: GameStatus, totalRounds: number): readonly GameStatus[] {
  if (status === 'completed')
    return [...Array.from({ length: totalRounds }, () => oneRound).flat(), 'completed'];
  if (status === 'cancelled') return ['cancelled'];
  return oneRound.slice(0, oneRound.indexOf(status) + 1);
}

const roundCases: readonly { name: string; totalRounds: number }[] = [
  { name: 'a round left', totalRounds: 2 },
  { name: 'the last round', totalRounds: 1 },
];

describe('phase rules: TypeScript and the games trigger agree', () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    await db?.drop();
  });

  /** Whether the trigger lets a game in `from` be written to `to`, and the game's rounds; rolled back either way. */
  async function sqlAccepts(
    from: GameStatus,
    to: GameStatus,
    totalRounds: number,
  ): Promise<{ accepted: boolean; rounds: Rounds }> {
    await client.query('BEGIN');
    try {
      const inserted = await client.query<{ id: string }>(
        'INSERT INTO games (total_rounds) VALUES ($1) RETURNING id',
        [totalRounds],
      );
      const id = inserted.rows[0]?.id;
      for (const step of pathTo(from, totalRounds)) {
        await client.query('UPDATE games SET status = $2 WHERE id = $1', [id, step]);
      }
      const state = await client.query<Rounds & { status: string }>(
        'SELECT status, current_round AS "currentRound", total_rounds AS "totalRounds" FROM games WHERE id = $1',
        [id],
      );
      const { status, ...rounds } = state.rows[0] ?? { status: '', currentRound: 0, totalRounds: 0 };
      assert.equal(status, from);
      try {
        await client.query('UPDATE games SET status = $2 WHERE id = $1', [id, to]);
        return { accepted: true, rounds };
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'SK001', `${from} -> ${to}: ${String(err)}`);
        return { accepted: false, rounds };
      }
    } finally {
      await client.query('ROLLBACK');
    }
  }

  for (const { name, totalRounds } of roundCases) {
    it(`every (from, to) pair, on ${name}`, async () => {
      const mismatches: string[] = [];
      let accepted = 0;
      for (const from of gameStatuses) {
        for (const to of gameStatuses) {
          const { accepted: sql, rounds } = await sqlAccepts(from, to, totalRounds);
          const ts = transitionAllowed(from, to, rounds);
          if (sql) accepted += 1;
          if (sql !== ts) {
            mismatches.push(
              `${from} -> ${to}: SQL ${sql ? 'accepts' : 'refuses'}, TypeScript ${ts ? 'accepts' : 'refuses'}`,
            );
          }
        }
      }
      assert.deepEqual(mismatches, []);
      // 7 unchanged writes + 10 moves: of results -> briefing and results -> completed, the round allows one.
      assert.equal(accepted, 7 + 10);
    });
  }

  it('allowed next statuses and the next timed status are the SQL functions', async () => {
    for (const status of gameStatuses) {
      const { rows } = await client.query<{ allowed: string[] }>(
        'SELECT realtime_allowed_next_statuses($1) AS allowed',
        [status],
      );
      assert.deepEqual(rows[0]?.allowed, [...allowedNextStatuses(status)], status);
      for (const { totalRounds } of roundCases) {
        const next = await client.query<{ next: string | null }>(
          'SELECT realtime_next_timed_status($1, 1, $2) AS next',
          [status, totalRounds],
        );
        assert.equal(
          next.rows[0]?.next,
          nextTimedStatus(status, { currentRound: 1, totalRounds }),
          `${status}, ${totalRounds} rounds`,
        );
      }
    }
  });
});
