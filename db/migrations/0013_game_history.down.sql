-- migrate: no-transaction
-- Down Migration of 0013_game_history: the broadcaster loses its rights on
-- game_transitions and the history indexes go (concurrently: writers never wait).
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketchyaf_broadcaster') THEN
    REVOKE SELECT, DELETE ON game_transitions FROM sketchyaf_broadcaster;
  END IF;
END
$grants$;
DROP INDEX CONCURRENTLY IF EXISTS game_transitions_game_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS realtime_outbox_game_id_idx;
