-- Up Migration
-- Least privilege (docs/database-roles.md). The role that runs these
-- migrations owns the schema; each service logs in as a user that is a member
-- of one NOLOGIN group role below, which holds only the DML and EXECUTE that
-- service's SQL needs. Login users are the DBA's: this file creates none.
--
-- The games triggers write realtime_outbox and game_transitions on every
-- status change, whoever changes it (the timer monitor, the game backend, an
-- operator). realtime_games_after_update is therefore SECURITY DEFINER, run
-- as its owner (the migrator) with a pinned search_path: writers of games
-- need no right on those two tables, and none of them can write an outbox
-- event or an audit row other than the ones the phase machine writes. It is
-- a statement trigger, so the definer switch costs once per statement. The
-- other trigger functions touch no table and run as the invoker.

DO $roles$
DECLARE
  role_name text;
  can_create boolean;
BEGIN
  SELECT rolsuper OR rolcreaterole INTO can_create FROM pg_roles WHERE rolname = current_user;
  FOREACH role_name IN ARRAY ARRAY['sketchyaf_broadcaster', 'sketchyaf_timer_monitor', 'sketchyaf_health'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      CONTINUE;
    ELSIF can_create THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    ELSE
      -- Managed PostgreSQL often gives the migrator no CREATEROLE: the DBA
      -- creates the roles first (docs/database-roles.md), and a migration
      -- run without them grants nothing rather than failing the deploy.
      RAISE NOTICE 'role % does not exist and % may not create roles: create it (docs/database-roles.md), then grant as in migration 0011',
        role_name, current_user;
    END IF;
  END LOOP;
END
$roles$;

DO $fix$
BEGIN
  EXECUTE format('ALTER FUNCTION realtime_games_after_update() SECURITY DEFINER SET search_path = %I, pg_temp',
                 current_schema());
END
$fix$;
REVOKE EXECUTE ON FUNCTION realtime_games_after_update() FROM PUBLIC;

DO $grants$
DECLARE
  schema_name text := current_schema();
  statement text;
  grants text[][] := ARRAY[
    -- Ingest (lock games, bump the sequence), relay (claim, mark, dead-letter, redrive, prune), idempotency keys, shard leases.
    ['sketchyaf_broadcaster', 'GRANT SELECT, UPDATE (last_event_sequence) ON games TO %I'],
    ['sketchyaf_broadcaster', 'GRANT SELECT, INSERT, DELETE, UPDATE (published_at, publish_timetoken, attempts, last_error, dead_lettered_at) ON realtime_outbox TO %I'],
    ['sketchyaf_broadcaster', 'GRANT SELECT, INSERT, DELETE, UPDATE (response) ON realtime_ingest_keys TO %I'],
    ['sketchyaf_broadcaster', 'GRANT SELECT, INSERT, UPDATE, DELETE ON realtime_shard_leases, realtime_lease_members TO %I'],
    ['sketchyaf_broadcaster', 'GRANT EXECUTE ON FUNCTION realtime_shard(uuid, integer), realtime_outbox_shard(uuid, text, integer) TO %I'],
    -- Timed transitions by compare-and-set on status (the triggers write the events and the audit), shard leases.
    ['sketchyaf_timer_monitor', 'GRANT SELECT, UPDATE (status) ON games TO %I'],
    ['sketchyaf_timer_monitor', 'GRANT SELECT, INSERT, UPDATE, DELETE ON realtime_shard_leases, realtime_lease_members TO %I'],
    ['sketchyaf_timer_monitor', 'GRANT EXECUTE ON FUNCTION realtime_shard(uuid, integer), realtime_next_timed_status(text, integer, integer) TO %I'],
    -- Read-only: outbox backlog and dead letters, overdue games.
    ['sketchyaf_health', 'GRANT SELECT ON games, realtime_outbox TO %I']
  ];
  i integer;
BEGIN
  FOR i IN 1 .. array_length(grants, 1) LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grants[i][1]);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, grants[i][1]);
    EXECUTE format(grants[i][2], grants[i][1]);
  END LOOP;
END
$grants$;
