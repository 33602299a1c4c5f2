import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createSilentLogger, migrateUp } from '@sketchyaf/core';
import {
  createTestDatabase,
  freePort,
  startTestRedisServers,
  startThrowawayPostgres,
  testAdminUrl,
  waitFor,
  type EmbeddedPostgres,
  type RedisServer,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { codeBlocks } from '../docs/markdownExamples.ts';
import { loadBroadcasterConfig, startBroadcaster, type BroadcasterService } from '@sketchyaf/broadcaster';
import { loadHealthConfig, startHealth, type HealthReport, type HealthService } from '@sketchyaf/health';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import {
  loadTimerMonitorConfig,
  startTimerMonitor,
  type TimerMonitorService,
} from '@sketchyaf/timer-monitor';
import {
  pruneIngestKeys,
  pruneOutbox,
  pruneTransitions,
} from '../../services/broadcaster/src/db/outboxQueries.ts';

const docSql = codeBlocks(
  readFileSync(fileURLToPath(new URL('../../docs/database-roles.md', import.meta.url)), 'utf8'),
)
  .filter((b) => b.lang === 'sql')
  .map((b) => b.text);

/** The doc's SQL with its user and database names made unique: roles are cluster-wide. */
function renamed(sql: string, suffix: string): string {
  return sql
    .replace(
      /\b(sketchyaf_(?:migrator|broadcaster_login|timer_monitor_login|health_login))\b/g,
      `$1_${suffix}`,
    )
    .replace(/\bDATABASE sketchyaf\b/g, `DATABASE sketchyaf_${suffix}`);
}

/** One statement at a time: CREATE DATABASE cannot run inside the implicit transaction of a multi-statement query. */
function statements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

// Migration 0011: each service logs in as a member of its runtime role and can do its work, and nothing else.

const apiToken = 'roles-test-token-0123456789';
const adminToken = 'roles-admin-token-0123456789';
const runtimeRoles = ['sketchyaf_broadcaster', 'sketchyaf_timer_monitor', 'sketchyaf_health'] as const;
type RuntimeRole = (typeof runtimeRoles)[number];

/** The SQLSTATE of the statement's failure, or 'ok'. */
async function sqlstateOf(pool: pg.Pool, sql: string): Promise<string> {
  try {
    await pool.query(sql);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('database runtime roles (migration 0011, real PostgreSQL)', function () {
  this.timeout(120_000);
  const suffix = randomBytes(4).toString('hex');
  let db: TestDatabase;
  let admin: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let redis: RedisServer[] = [];
  const urls = new Map<RuntimeRole, string>();
  const pools = new Map<RuntimeRole, pg.Pool>();
  const users: string[] = [];
  let broadcaster: BroadcasterService | undefined;
  let timers: TimerMonitorService | undefined;
  let health: HealthService | undefined;

  function poolOf(role: RuntimeRole): pg.Pool {
    const pool = pools.get(role);
    assert.ok(pool);
    return pool;
  }

  function urlOf(role: RuntimeRole): string {
    const url = urls.get(role);
    assert.ok(url);
    return url;
  }

  before(async () => {
    db = await createTestDatabase();
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
    // Login users as the DBA makes them (docs/database-roles.md); roles are cluster-wide, hence the suffix.
    const logins = docSql.find((sql) => sql.includes(' IN ROLE '));
    assert.ok(logins, 'docs/database-roles.md has no block of login users');
    for (const statement of statements(renamed(logins, suffix))) await admin.query(statement);
    for (const role of runtimeRoles) {
      const user = `${role}_login_${suffix}`;
      users.push(user);
      const url = new URL(db.url);
      url.username = user;
      url.password = 'change-me';
      urls.set(role, url.toString());
      pools.set(role, new pg.Pool({ connectionString: url.toString(), max: 2 }));
    }
    pubnub = await startPubnubLocal();
    redis = await startTestRedisServers(1);
  });

  after(async () => {
    await health?.stop();
    await broadcaster?.stop();
    await timers?.stop();
    await pubnub?.stop();
    await Promise.all(redis.map((r) => r.stop()));
    await Promise.all([...pools.values()].map((p) => p.end()));
    await admin?.end();
    await db?.drop();
    // Roles outlive the database: drop them from the server's admin database.
    const server = new pg.Client({ connectionString: testAdminUrl() });
    await server.connect();
    for (const user of users) await server.query(`DROP ROLE IF EXISTS ${user}`);
    await server.end();
  });

  it('the broadcaster ingests, relays, keeps idempotency keys and leases, redrives and prunes', async () => {
    const { rows } = await admin.query<{ id: string }>('INSERT INTO games DEFAULT VALUES RETURNING id');
    const gameId = rows[0]?.id ?? '';
    broadcaster = await startBroadcaster(
      loadBroadcasterConfig({
        DATABASE_URL: urlOf('sketchyaf_broadcaster'),
        REDIS_URL: redis.map((r) => r.url).join(','),
        LEASE_PREFIX: `roles:${suffix}:relay`,
        PUBNUB_ORIGIN: pubnub.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        BROADCAST_API_TOKENS: apiToken,
        BROADCAST_ADMIN_TOKENS: adminToken,
        RELAY_POLL_INTERVAL_MS: '200',
      }),
      { logger: createSilentLogger('broadcaster') },
    );
    const res = await fetch(`${broadcaster.url}/v1/events?wait=published`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${apiToken}`,
        'idempotency-key': `roles-${suffix}`,
      },
      body: JSON.stringify({
        type: 'drawing_submitted',
        gameId,
        data: { playerId: 'p1', round: 1, drawingId: 'd-1' },
      }),
    });
    const body = (await res.json()) as { deliveryState?: string; sequence?: number };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.deliveryState, 'published');
    assert.equal(body.sequence, 1);

    const redrive = await fetch(`${broadcaster.url}/admin/dead-letters/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ all: true }),
    });
    assert.equal(redrive.status, 200, await redrive.text());
    const history = await fetch(`${broadcaster.url}/v1/games/${gameId}/history`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(history.status, 200, await history.clone().text());
    assert.equal(((await history.json()) as { events: unknown[] }).events.length, 1);

    await waitFor('the relay to hold its shards in realtime_shard_leases', async () => {
      const held = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_shard_leases WHERE lease_prefix = $1',
        [`roles:${suffix}:relay`],
      );
      return (held.rows[0]?.n ?? 0) > 0 ? true : undefined;
    });
    const pool = poolOf('sketchyaf_broadcaster');
    assert.equal(await pruneIngestKeys(pool, 0, 100), 1);
    assert.equal(await pruneOutbox(pool, 0, 100), 1);
    assert.equal(await pruneTransitions(pool, 86_400_000, 100), 0, 'migration 0013: may prune transitions');
  });

  it('the timer monitor advances due games; the triggers write the events and the audit for it', async () => {
    const { rows } = await admin.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       VALUES (1, '{"briefing":0.1,"drawing":0.1,"voting":0.1,"results":0.1}') RETURNING id`,
    );
    const gameId = rows[0]?.id ?? '';
    timers = await startTimerMonitor(
      loadTimerMonitorConfig({
        DATABASE_URL: urlOf('sketchyaf_timer_monitor'),
        REDIS_URL: redis.map((r) => r.url).join(','),
        LEASE_PREFIX: `roles:${suffix}:timers`,
        PORT: '0',
        LOG_LEVEL: 'silent',
      }),
      { logger: createSilentLogger('timer-monitor') },
    );
    await waitFor('the timer monitor to hold its shards', async () => {
      const held = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_shard_leases WHERE lease_prefix = $1',
        [`roles:${suffix}:timers`],
      );
      return (held.rows[0]?.n ?? 0) > 0 ? true : undefined;
    });
    await admin.query("UPDATE games SET status = 'briefing' WHERE id = $1", [gameId]);
    await waitFor(
      'the game to complete',
      async () => {
        const game = await admin.query<{ status: string }>('SELECT status FROM games WHERE id = $1', [
          gameId,
        ]);
        return game.rows[0]?.status === 'completed' ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const audit = await admin.query<{ to_status: string; source: string }>(
      'SELECT to_status, source FROM game_transitions WHERE game_id = $1 ORDER BY version',
      [gameId],
    );
    assert.deepEqual(
      audit.rows.map((r) => `${r.to_status}/${r.source}`),
      [
        'briefing/database',
        'drawing/timer-monitor',
        'voting/timer-monitor',
        'results/timer-monitor',
        'completed/timer-monitor',
      ],
    );
    const events = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM realtime_outbox WHERE game_id = $1 AND source = 'timer-monitor'",
      [gameId],
    );
    assert.equal(events.rows[0]?.n, 4);
  });

  it('the health service reads the outbox and the overdue games', async () => {
    health = await startHealth(
      loadHealthConfig({
        DATABASE_URL: urlOf('sketchyaf_health'),
        PUBNUB_ORIGIN: pubnub.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        CANARY_ENABLED: 'false',
        CHECK_INTERVAL_MS: '250',
        CHECK_TIMEOUT_MS: '2000',
      }),
      { logger: createSilentLogger('health'), kubernetes: null },
    );
    const service = health;
    const report = await waitFor('a health report with outbox and games', async () => {
      const r = (await (await fetch(`${service.url}/api/health`)).json()) as HealthReport;
      // Before the first round the answer has no components; a refused read leaves outbox or games null.
      return r.components !== undefined && r.outbox !== null && r.games !== null ? r : undefined;
    });
    assert.equal(report.components.postgres.level, 'up');
    assert.equal(report.outbox?.deadLetters, 0);
    assert.equal(report.games?.overdue, 0);
  });

  // 42501 is insufficient_privilege: refused by the grants, not by a constraint or a missing object.
  const refused: Record<RuntimeRole, string[]> = {
    sketchyaf_broadcaster: [
      "UPDATE games SET status = 'cancelled'",
      'UPDATE games SET phase_expires_at = NULL',
      'INSERT INTO games DEFAULT VALUES',
      'DELETE FROM games',
      "INSERT INTO game_transitions (game_id, from_status, to_status, round, version, source, request_id) VALUES (gen_random_uuid(), 'a', 'b', 1, 1, 'api', 'r')",
      "UPDATE game_transitions SET source = 'api'",
      "UPDATE realtime_outbox SET payload = '{}'",
      'SELECT count(*) FROM realtime_migrations',
    ],
    sketchyaf_timer_monitor: [
      'UPDATE games SET last_event_sequence = last_event_sequence + 1',
      'INSERT INTO games DEFAULT VALUES',
      'DELETE FROM games',
      "INSERT INTO realtime_outbox (type, channel, request_id, source) VALUES ('x', 'user.x', 'r', 'api')",
      'SELECT count(*) FROM realtime_outbox',
      "INSERT INTO game_transitions (game_id, from_status, to_status, round, version, source, request_id) VALUES (gen_random_uuid(), 'a', 'b', 1, 1, 'api', 'r')",
      'SELECT count(*) FROM realtime_ingest_keys',
    ],
    sketchyaf_health: [
      "INSERT INTO realtime_outbox (type, channel, request_id, source) VALUES ('x', 'user.x', 'r', 'api')",
      'UPDATE realtime_outbox SET attempts = 0',
      'DELETE FROM realtime_outbox',
      "UPDATE games SET status = 'cancelled'",
      'SELECT count(*) FROM realtime_ingest_keys',
      'SELECT count(*) FROM realtime_shard_leases',
      'SELECT count(*) FROM game_transitions',
    ],
  };
  const ddl = [
    'CREATE TABLE roles_probe (id int)',
    'CREATE FUNCTION roles_probe() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'ALTER TABLE games ADD COLUMN roles_probe int',
    'ALTER TABLE realtime_outbox DISABLE TRIGGER USER',
    'DROP TABLE realtime_outbox',
    'DROP TRIGGER games_before_write ON games',
    'TRUNCATE realtime_outbox',
    'CREATE INDEX roles_probe ON games (created_at)',
    "COMMENT ON TABLE games IS 'probe'",
    'ALTER FUNCTION realtime_shard(uuid, integer) SECURITY DEFINER',
  ];

  it('grants exactly the matrix of docs/database-roles.md on every table of the schema', async () => {
    // A new table shows up here with no rights for anyone until its migration decides who needs what.
    const { rows } = await admin.query<{ role: RuntimeRole; grants: string }>(
      `SELECT r.role, string_agg(c.relname || ':' || concat_ws(' ',
                nullif(array_to_string(ARRAY(
                  SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
                  WHERE has_table_privilege(r.role, c.oid, p)), ' '), ''),
                'UPDATE(' || nullif(array_to_string(ARRAY(
                  SELECT a.attname FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND has_column_privilege(r.role, c.oid, a.attnum, 'UPDATE')
                    AND NOT has_table_privilege(r.role, c.oid, 'UPDATE')
                  ORDER BY a.attname), ','), '') || ')'), '; ' ORDER BY c.relname) AS grants
       FROM unnest($1::text[]) AS r(role)
       CROSS JOIN pg_class c
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       GROUP BY r.role`,
      [[...runtimeRoles]],
    );
    const none = (tables: Record<string, string>): string =>
      Object.entries({
        game_transitions: '',
        games: '',
        realtime_ingest_keys: '',
        realtime_lease_members: '',
        realtime_migrations: '',
        realtime_outbox: '',
        realtime_relays: '',
        realtime_shard_leases: '',
        ...tables,
      })
        .map(([t, g]) => `${t}:${g}`)
        .join('; ');
    const leases = 'SELECT INSERT UPDATE DELETE';
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.role, r.grants])), {
      sketchyaf_broadcaster: none({
        game_transitions: 'SELECT DELETE',
        games: 'SELECT UPDATE(last_event_sequence)',
        realtime_ingest_keys: 'SELECT INSERT DELETE UPDATE(response)',
        realtime_lease_members: leases,
        realtime_outbox:
          'SELECT INSERT DELETE UPDATE(attempts,dead_lettered_at,last_error,publish_timetoken,published_at)',
        realtime_shard_leases: leases,
      }),
      sketchyaf_timer_monitor: none({
        games: 'SELECT UPDATE(status)',
        realtime_lease_members: leases,
        realtime_shard_leases: leases,
      }),
      sketchyaf_health: none({ games: 'SELECT', realtime_outbox: 'SELECT' }),
    });
    const { rows: definer } = await admin.query<{ role: string; name: string; can: boolean }>(
      `SELECT r.role, f.name, has_function_privilege(r.role, f.name, 'EXECUTE') AS can
       FROM unnest($1::text[]) AS r(role)
       CROSS JOIN unnest(ARRAY['realtime_games_after_update()', 'realtime_outbox_after_insert()',
                               'realtime_relay_awake(uuid)', 'realtime_relay_asleep(uuid, integer, integer)',
                               'realtime_relay_gone(uuid)']) AS f(name)`,
      [[...runtimeRoles]],
    );
    assert.deepEqual(
      definer.filter((r) => r.can).map((r) => `${r.role} ${r.name}`),
      [
        'sketchyaf_broadcaster realtime_relay_awake(uuid)',
        'sketchyaf_broadcaster realtime_relay_asleep(uuid, integer, integer)',
        'sketchyaf_broadcaster realtime_relay_gone(uuid)',
      ],
      'nobody calls the SECURITY DEFINER trigger functions; only the relay marks its row',
    );
  });

  it("the doc's groups are the migration's, and its REVOKE runs", async () => {
    const groups = docSql.find((sql) => sql.includes(' NOLOGIN'));
    assert.deepEqual(
      [...(groups ?? '').matchAll(/CREATE ROLE (\w+) NOLOGIN/g)].map((m) => m[1]),
      [...runtimeRoles],
    );
    const revoke = docSql.find((sql) => sql.startsWith('REVOKE'));
    assert.ok(revoke);
    await admin.query(revoke);
  });

  it('migrations apply as a migrator with neither SUPERUSER nor CREATEROLE, made as the doc says', async () => {
    const setup = docSql.find((sql) => sql.includes('CREATE DATABASE'));
    assert.ok(setup, 'docs/database-roles.md has no block for the migrator');
    const migrator = `sketchyaf_migrator_${suffix}`;
    const server = new pg.Client({ connectionString: testAdminUrl() });
    await server.connect();
    try {
      for (const statement of statements(renamed(setup, suffix))) await server.query(statement);
      const url = new URL(testAdminUrl());
      url.username = migrator;
      url.password = 'change-me';
      url.pathname = `/sketchyaf_${suffix}`;
      await migrateUp({ databaseUrl: url.toString() });
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      try {
        const { rows } = await check.query<{
          definer: boolean;
          owner: string;
          health: boolean;
          power: boolean;
        }>(
          `SELECT p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner,
                  has_table_privilege('sketchyaf_health', 'games', 'SELECT') AS health,
                  (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS power
           FROM pg_proc p WHERE p.proname = 'realtime_games_after_update'`,
        );
        assert.deepEqual(rows, [{ definer: true, owner: migrator, health: true, power: false }]);
      } finally {
        await check.end();
      }
    } finally {
      await server.query(`DROP DATABASE IF EXISTS sketchyaf_${suffix} WITH (FORCE)`);
      await server.query(`DROP ROLE IF EXISTS ${migrator}`);
      await server.end();
    }
  });

  for (const role of runtimeRoles) {
    it(`${role} can run no DDL and touch no table it does not use (SQLSTATE 42501)`, async () => {
      const pool = poolOf(role);
      const answers = new Map<string, string>();
      for (const sql of [...ddl, ...refused[role]]) answers.set(sql, await sqlstateOf(pool, sql));
      const expected = new Map([...answers.keys()].map((sql) => [sql, '42501']));
      assert.deepEqual(answers, expected);
    });
  }
});

describe('migration 0011 on a PostgreSQL without the roles, run by a migrator that may not create them', function () {
  this.timeout(120_000);
  let server: EmbeddedPostgres | undefined;

  after(async () => {
    await server?.stop();
  });

  it('applies every migration, creates and grants nothing, and says so in a NOTICE per role', async () => {
    server = await startThrowawayPostgres({
      dataDir: join(tmpdir(), `sketchyaf-roles-pg-${process.pid}`),
      port: await freePort(),
      database: 'postgres',
      settings: { fsync: 'off' },
    });
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    try {
      await admin.query("CREATE ROLE plain_migrator LOGIN PASSWORD 'change-me'");
      await admin.query('CREATE DATABASE plain OWNER plain_migrator');
    } finally {
      await admin.end();
    }
    const url = new URL(server.url('plain'));
    url.username = 'plain_migrator';
    url.password = 'change-me';
    await migrateUp({ databaseUrl: url.toString() });

    const client = new pg.Client({ connectionString: url.toString() });
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.connect();
    try {
      const { rows } = await client.query<{ roles: number; applied: boolean }>(
        `SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname LIKE 'sketchyaf\\_%') AS roles,
                EXISTS (SELECT 1 FROM realtime_migrations WHERE name = '0011_runtime_roles') AS applied`,
      );
      assert.deepEqual(rows, [{ roles: 0, applied: true }]);
      // The migration's role block again, to read what it tells the operator.
      const migration = readFileSync(
        fileURLToPath(new URL('../../db/migrations/0011_runtime_roles.sql', import.meta.url)),
        'utf8',
      );
      const rolesBlock = /DO \$roles\$[\s\S]*?\$roles\$;/.exec(migration)?.[0];
      assert.ok(rolesBlock);
      await client.query(rolesBlock);
    } finally {
      await client.end();
    }
    assert.deepEqual(
      notices,
      ['sketchyaf_broadcaster', 'sketchyaf_timer_monitor', 'sketchyaf_health'].map(
        (role) =>
          `role ${role} does not exist and plain_migrator may not create roles: create it (docs/database-roles.md), then grant as in migration 0011`,
      ),
    );
  });
});
