import { strict as assert } from 'node:assert';
import type pg from 'pg';
import { createSilentLogger } from '@sketchyaf/core';
import { createGames, waitFor } from '@sketchyaf/testkit';
import { loadTimerMonitorConfig, startTimerMonitor, type TimerMonitorService } from '../src/index.ts';

export function startTestMonitor(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TimerMonitorService> {
  const config = loadTimerMonitorConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startTimerMonitor(config, { logger: createSilentLogger('timer-monitor') });
}

/** Creates `count` waiting games with the given durations and starts them in one statement. */
export function createStartedGames(
  pool: pg.Pool,
  count: number,
  durations: (i: number) => Record<string, number>,
  totalRounds = 2,
): Promise<string[]> {
  return createGames(pool, count, { durations, rounds: totalRounds, start: true });
}

export interface AuditRow {
  game_id: string;
  from_status: string;
  to_status: string;
  version: string;
  source: string;
}

export async function auditOf(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, AuditRow[]>> {
  const { rows } = await pool.query<AuditRow>(
    `SELECT game_id, from_status, to_status, version::text, source FROM game_transitions
     WHERE game_id = ANY($1::uuid[]) ORDER BY game_id, version`,
    [ids],
  );
  const byGame = new Map<string, AuditRow[]>();
  for (const row of rows) {
    const list = byGame.get(row.game_id) ?? [];
    list.push(row);
    byGame.set(row.game_id, list);
  }
  return byGame;
}

/** The exact status path of a game with `rounds` rounds, from waiting to completed. */
export function expectedPath(rounds: number): string[] {
  const path = ['waiting'];
  for (let r = 0; r < rounds; r += 1) path.push('briefing', 'drawing', 'voting', 'results');
  path.push('completed');
  return path;
}

/** Waits until every one of `ids` is completed. */
export async function waitAllCompleted(
  pool: pg.Pool,
  ids: readonly string[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'every game to complete',
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) AND status <> 'completed'",
        [ids],
      );
      return rows[0]?.n === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** How many of `ids` are in `status` now. */
export async function countInStatus(pool: pg.Pool, ids: readonly string[], status: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) AND status = $2',
    [ids, status],
  );
  return rows[0]?.n ?? 0;
}

/** The audit table shows each game of `ids` entering exactly `statuses`, in order. */
export async function assertStatusesEntered(
  pool: pg.Pool,
  ids: readonly string[],
  statuses: readonly string[],
): Promise<void> {
  const audit = await auditOf(pool, ids);
  for (const id of ids) {
    assert.deepEqual(
      (audit.get(id) ?? []).map((r) => r.to_status),
      statuses,
      `transitions of ${id}`,
    );
  }
}

/**
 * The audit table shows each game of `ids` going exactly the path of `rounds`
 * rounds, each version once, and no (game, version) anywhere twice.
 */
export async function assertEachTransitionOnce(
  pool: pg.Pool,
  ids: readonly string[],
  rounds: number,
  check: (id: string, rows: readonly AuditRow[]) => void = () => undefined,
): Promise<void> {
  const audit = await auditOf(pool, ids);
  const path = expectedPath(rounds);
  for (const id of ids) {
    const rows = audit.get(id) ?? [];
    assert.deepEqual(
      rows.map((r) => Number(r.version)),
      Array.from({ length: path.length - 1 }, (_, i) => i + 1),
      `each version of ${id} once`,
    );
    assert.deepEqual([rows[0]?.from_status, ...rows.map((r) => r.to_status)], path, `path of ${id}`);
    check(id, rows);
  }
  const dup = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM (SELECT 1 FROM game_transitions GROUP BY game_id, version HAVING count(*) > 1) d',
  );
  assert.equal(dup.rows[0]?.n, 0, 'no (game, version) transition twice');
}
