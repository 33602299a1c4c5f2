-- Down Migration of 0011_runtime_roles: revoke what 0011 granted and make
-- realtime_games_after_update an ordinary invoker function again, callable by
-- every role. The group roles stay: roles belong to the cluster, may have
-- been created by the DBA (docs/database-roles.md) and may hold members;
-- `DROP ROLE` them by hand if nothing else uses them.
DO $revoke$
DECLARE
  schema_name text := current_schema();
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['sketchyaf_broadcaster', 'sketchyaf_timer_monitor', 'sketchyaf_health'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name);
    EXECUTE format('REVOKE ALL ON games, realtime_outbox, realtime_ingest_keys, realtime_shard_leases, realtime_lease_members FROM %I', role_name);
    EXECUTE format('REVOKE ALL (last_event_sequence, status) ON games FROM %I', role_name);
    EXECUTE format('REVOKE ALL (published_at, publish_timetoken, attempts, last_error, dead_lettered_at) ON realtime_outbox FROM %I', role_name);
    EXECUTE format('REVOKE ALL (response) ON realtime_ingest_keys FROM %I', role_name);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION realtime_shard(uuid, integer), realtime_outbox_shard(uuid, text, integer), realtime_next_timed_status(text, integer, integer) FROM %I', role_name);
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', schema_name, role_name);
  END LOOP;
END
$revoke$;

ALTER FUNCTION realtime_games_after_update() SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION realtime_games_after_update() TO PUBLIC;
