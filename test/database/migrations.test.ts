// Down migrations, parity with a fresh up, lock_timeout under a live writer,
// and adoption of a games table from the system this one replaces, all on
// the real PostgreSQL of the test run. runbooks/rollback.md and
// runbooks/cutover.md describe what these tests do.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrateDown, migrateUp, migrationsDir } from '@sketchyaf/core';
import { dumpSchema } from '@sketchyaf/devstack';
import {
  createTestDatabase,
  testAdminUrl,
  waitFor,
  withDatabase,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { startTestMonitor } from '../../services/timer-monitor/test/helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** An empty database (no migrations), dropped by the returned handle. */
async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `m_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(testAdminUrl(), name);
  return {
    name,
    url,
    async drop() {
      const client = new pg.Client({ connectionString: testAdminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The schema as the drift test sees it, plus the privileges it does not show. */
async function schemaOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const acl = await client.query<{ line: string }>(
      // A grant then a revoke leaves an explicit default ACL where there was
      // none: the same privileges, compared as such.
      `SELECT c.relname || ' ' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(c.relacl, acldefault('r', c.relowner))) x) || ' ' ||
              coalesce((SELECT string_agg(a.attname || '=' || a.attacl::text, ',' ORDER BY a.attname)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl <> '{}'), '') AS line
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname <> 'realtime_migrations'
       UNION ALL
       SELECT p.proname || ' ' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) x) || ' ' || p.prosecdef || ' ' ||
              coalesce(p.proconfig::text, '')
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
       ORDER BY 1`,
    );
    return `${await dumpSchema(client)}\n${acl.rows.map((r) => r.line).join('\n')}`;
  } finally {
    await client.end();
  }
}

async function applied(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM realtime_migrations ORDER BY id');
  return rows.map((r) => r.name);
}

/** A copy of db/migrations holding only the migrations numbered up to `n`. */
function migrationsUpTo(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sketchyaf-migrations-'));
  for (const file of readdirSync(migrationsDir))
    if (Number(file.slice(0, 4)) <= n) copyFileSync(join(migrationsDir, file), join(dir, file));
  return dir;
}

describe('migrations: down, parity, lock_timeout, adoption', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeEach(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterEach(async () => {
    await pool.end();
    await db.drop();
  });

  it('goes down to n and up again while the timer monitor plays games: they keep playing, the schema equals a fresh one', async () => {
    const fresh = await schemaOf(db.url);
    const all = await applied(pool);
    const monitor = await startTestMonitor(db.url);
    try {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO games (total_rounds, phase_durations)
         SELECT 50, '{"briefing":0.3,"drawing":0.3,"voting":0.3,"results":0.3}' FROM generate_series(1, 20)
         RETURNING id`,
      );
      const ids = rows.map((r) => r.id);
      await pool.query("UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])", [ids]);
      const versions = async () =>
        (
          await pool.query<{ v: number }>(
            'SELECT min(version)::int AS v FROM games WHERE id = ANY($1::uuid[])',
            [ids],
          )
        ).rows[0]?.v ?? 0;
      const before = await versions();

      // The CLI, as the runbook runs it: every migration above 6 undone and redone.
      const started = performance.now();
      const down = await run('node', ['packages/core/src/db/migrateMain.ts', 'down', '--to', '6'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: db.url },
      });
      const downMs = performance.now() - started;
      assert.match(down.stdout, /migrate: 0011_runtime_roles \(down\) done in \d+ ms/);
      assert.match(down.stdout, /migrations up to 6 stay applied/);
      assert.deepEqual(await applied(pool), all.slice(0, 6));
      console.log(`      down --to 6 took ${Math.round(downMs)} ms (CLI, ${all.length - 6} migrations)`);

      await migrateUp({ databaseUrl: db.url });
      assert.deepEqual(await applied(pool), all);
      assert.equal(await schemaOf(db.url), fresh);

      // Every game was carried on by the monitor through the down and up.
      await waitFor('games to advance after up', async () => (await versions()) >= before + 4 || undefined, {
        timeoutMs: 20_000,
      });
      const { rows: rejected } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM games WHERE id = ANY($1::uuid[]) AND status IN ('waiting', 'cancelled')",
        [ids],
      );
      assert.equal(rejected[0]?.n, 0);
    } finally {
      await monitor.stop();
    }
  });

  it('goes all the way down to 0 keeping the games rows, and up again to the same schema', async () => {
    const fresh = await schemaOf(db.url);
    await pool.query('INSERT INTO games (total_rounds) VALUES (2), (3)');
    const undone = await migrateDown({ databaseUrl: db.url, to: 0 });
    assert.equal(undone.length, readdirSync(migrationsDir).filter((f) => f.endsWith('.down.sql')).length);
    assert.deepEqual(await applied(pool), []);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM games');
    assert.equal(rows[0]?.n, 2);
    await migrateUp({ databaseUrl: db.url });
    assert.equal(await schemaOf(db.url), fresh);
    // The phase machine is back: an invalid transition is refused again.
    await assert.rejects(
      pool.query("UPDATE games SET status = 'voting'"),
      /invalid game transition waiting -> voting/,
    );
  });

  it('0007 and 0008 down restore exactly the trigger functions of the migrations before them', async () => {
    const definitions = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ def: string }>(
          `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
           WHERE p.proname IN ('realtime_games_before_write', 'realtime_games_after_update') ORDER BY p.proname`,
        );
        return rows.map((r) => r.def);
      } finally {
        await client.end();
      }
    };
    for (const n of [7, 6]) {
      const reference = await createEmptyDatabase();
      const dir = migrationsUpTo(n);
      try {
        await migrateUp({ databaseUrl: reference.url, dir });
        await migrateDown({ databaseUrl: db.url, to: n });
        assert.deepEqual(await definitions(db.url), await definitions(reference.url), `down to ${n}`);
        const [got, want] = [await schemaOf(db.url), await schemaOf(reference.url)];
        const gotLines = got.split('\n');
        const wantLines = want.split('\n');
        assert.deepEqual(
          gotLines.filter((l) => !wantLines.includes(l)),
          wantLines.filter((l) => !gotLines.includes(l)),
          `schema down to ${n}`,
        );
        assert.equal(got, want, `schema down to ${n}`);
      } finally {
        rmSync(dir, { recursive: true });
        await reference.drop();
      }
    }
  });

  it('refuses to go down past a migration without a down file, before undoing anything', async () => {
    const dir = migrationsUpTo(99);
    try {
      rmSync(join(dir, '0009_shard_lease_fallback.down.sql'));
      await assert.rejects(
        migrateDown({ databaseUrl: db.url, dir, to: 5 }),
        /no down migration 0009_shard_lease_fallback\.down\.sql/,
      );
      assert.equal(
        (await applied(pool)).length,
        readdirSync(dir).filter((f) => !f.endsWith('.down.sql')).length,
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  describe('under a writer of games and a transaction that holds a conflicting lock', () => {
    /**
     * Updates games in a loop while `work` runs; `blockFor` ms into it a
     * second transaction holds a row lock on games (as a slow backend
     * request does). Returns the longest wait of one writer statement.
     */
    async function longestWriterWait(work: () => Promise<unknown>, blockFor: number): Promise<number> {
      const { rows } = await pool.query<{ id: string }>(
        'INSERT INTO games (total_rounds) VALUES (3), (3) RETURNING id',
      );
      const [writerGame, blockerGame] = rows.map((r) => r.id);
      const blocker = new pg.Client({ connectionString: db.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('UPDATE games SET phase_durations = phase_durations WHERE id = $1', [blockerGame]);
      const release = setTimeout(() => void blocker.query('COMMIT'), blockFor);
      let longest = 0;
      let done = false;
      const writer = (async () => {
        while (!done) {
          const t = performance.now();
          await pool.query('UPDATE games SET phase_durations = phase_durations WHERE id = $1', [writerGame]);
          longest = Math.max(longest, performance.now() - t);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        await work();
      } finally {
        done = true;
        await writer;
        clearTimeout(release);
        await blocker.query('COMMIT').catch(() => undefined);
        await blocker.end();
      }
      return longest;
    }

    it('with lock_timeout the migrations retry and the writer never waits more than 1 s', async () => {
      const lines: string[] = [];
      const longest = await longestWriterWait(async () => {
        await migrateDown({ databaseUrl: db.url, to: 6, onLine: (l) => lines.push(l) });
        await migrateUp({ databaseUrl: db.url, onLine: (l) => lines.push(l) });
      }, 3_000);
      assert.ok(
        lines.some((l) => /waited 500 ms for a lock \(attempt 1 of 8\); retrying in 1000 ms/.test(l)),
        lines.join('\n'),
      );
      assert.ok(longest < 1_000, `writer waited ${Math.round(longest)} ms`);
      console.log(`      longest writer wait ${Math.round(longest)} ms`);
    });

    it('without lock_timeout the same writer queues behind the migration for as long as the blocker runs', async () => {
      // 0013 goes down concurrently (it never blocks the writer, it waits for the blocker itself):
      // undone first, so that the measured down starts with a migration that locks games.
      await migrateDown({ databaseUrl: db.url, to: 12 });
      const longest = await longestWriterWait(
        () => migrateDown({ databaseUrl: db.url, to: 6, lockTimeoutMs: 0 }),
        2_500,
      );
      assert.ok(longest > 1_500, `writer waited ${Math.round(longest)} ms`);
    });
  });
});

describe('migrations: adopting the games table of the system this one replaces', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeEach(async () => {
    db = await createEmptyDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterEach(async () => {
    await pool.end();
    await db.drop();
  });

  it('npm run migrate adopts a games table with games in play; the timer monitor carries them on', async () => {
    // The old system's table: the contract's columns, no bookkeeping of ours.
    await pool.query(`
      CREATE TABLE games (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'waiting',
        current_round integer NOT NULL DEFAULT 1,
        total_rounds integer NOT NULL DEFAULT 3,
        phase_durations jsonb NOT NULL DEFAULT '{}'::jsonb,
        phase_started_at timestamptz,
        phase_expires_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await pool.query<{ id: string; status: string }>(`
      INSERT INTO games (status, current_round, total_rounds, phase_durations, phase_started_at, phase_expires_at)
      VALUES ('drawing', 1, 2, '{"voting":0.5}', now() - interval '59 s', now() + interval '1 s'),
             ('results', 2, 2, '{}', now() - interval '9 s', now() + interval '1 s'),
             ('waiting', 1, 3, '{}', NULL, NULL),
             ('completed', 3, 3, '{}', now() - interval '1 h', NULL)
      RETURNING id, status`);
    const [drawing, lastResults, waiting, completed] = rows.map((r) => r.id);

    const result = await run('npm', ['run', '--silent', 'migrate'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url },
    });
    assert.match(result.stdout, /migrate: applied 0001_games, /);

    const monitor = await startTestMonitor(db.url);
    try {
      const statusOf = async (id: string | undefined) =>
        (await pool.query<{ status: string }>('SELECT status FROM games WHERE id = $1', [id])).rows[0]
          ?.status;
      await waitFor(
        'the adopted games to advance',
        async () => (await statusOf(lastResults)) === 'completed' || undefined,
        { timeoutMs: 15_000 },
      );
      await waitFor(
        'the drawing game to pass voting',
        async () => (await statusOf(drawing)) === 'results' || undefined,
        { timeoutMs: 15_000 },
      );
      assert.equal(await statusOf(waiting), 'waiting');
      assert.equal(await statusOf(completed), 'completed');
      const { rows: audit } = await pool.query<{ game_id: string; path: string }>(
        `SELECT game_id, string_agg(from_status || '>' || to_status || ':' || source, ' ' ORDER BY version) AS path
         FROM game_transitions GROUP BY game_id ORDER BY path`,
      );
      assert.deepEqual(
        audit.map((r) => [r.game_id, r.path]),
        [
          [drawing, 'drawing>voting:timer-monitor voting>results:timer-monitor'],
          [lastResults, 'results>completed:timer-monitor'],
        ],
      );
      // The backend's own column and rows are untouched; the phase machine now holds it.
      const kept = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM games WHERE created_by IS NULL',
      );
      assert.equal(kept.rows[0]?.n, 4);
      await assert.rejects(
        pool.query("UPDATE games SET status = 'voting' WHERE id = $1", [waiting]),
        /invalid game transition/,
      );
    } finally {
      await monitor.stop();
    }
  });
});

// No migration of the repository uses the marker yet: a throwaway one proves
// the runner sends its statements one by one (CONCURRENTLY refuses to run
// inside a transaction block).
describe('migrations: outside a transaction', function () {
  this.timeout(60_000);
  it('runs a marked migration statement by statement, so CREATE INDEX CONCURRENTLY works', async () => {
    const db = await createTestDatabase();
    const dir = migrationsUpTo(99);
    try {
      const next = String(Number(readdirSync(dir).sort().at(-1)?.slice(0, 4)) + 1).padStart(4, '0');
      writeFileSync(
        join(dir, `${next}_concurrent_index.sql`),
        '-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS games_created_at_idx ON games (created_at);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS games_total_rounds_idx ON games (total_rounds);\n',
      );
      writeFileSync(
        join(dir, `${next}_concurrent_index.down.sql`),
        '-- migrate: no-transaction\nDROP INDEX CONCURRENTLY games_created_at_idx;\nDROP INDEX CONCURRENTLY games_total_rounds_idx;\n',
      );
      const lines: string[] = [];
      assert.deepEqual(await migrateUp({ databaseUrl: db.url, dir, onLine: (l) => lines.push(l) }), [
        `${next}_concurrent_index`,
      ]);
      assert.ok(lines.includes(`migrate: ${next}_concurrent_index (no transaction)`), lines.join('\n'));
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const count = async () =>
        (
          await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('games_created_at_idx', 'games_total_rounds_idx')",
          )
        ).rows[0]?.n;
      assert.equal(await count(), 2);
      await migrateDown({ databaseUrl: db.url, dir, to: Number(next) - 1 });
      assert.equal(await count(), 0);
      await client.end();
    } finally {
      rmSync(dir, { recursive: true });
      await db.drop();
    }
  });
});
