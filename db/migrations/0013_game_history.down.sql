-- Down Migration
-- Undoes 0013: the history indexes and the broadcaster's rights on game_transitions.
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketchyaf_broadcaster') THEN
    REVOKE SELECT, DELETE ON game_transitions FROM sketchyaf_broadcaster;
  END IF;
END
$grants$;
DROP INDEX IF EXISTS game_transitions_game_id_idx;
DROP INDEX IF EXISTS realtime_outbox_game_id_idx;
