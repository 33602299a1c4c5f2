-- migrate: no-transaction
-- Up Migration
-- One game's history (GET /v1/games/:id/history, `sketchyaf-realtime history`).
--
-- Without these, a game's events and transitions are a sequential scan of
-- two tables that grow with every transition of every game. 0007 dropped the
-- unique (game_id, sequence) index of the outbox for its insert cost; this
-- one is plain (no uniqueness probe) and keyed (game_id, id), the order the
-- history pages in. Each adds one random-key B-tree insert per row written
-- to the cost of a transition: the price of looking one game up without a
-- scan of both tables.
--
-- Built CONCURRENTLY, statement by statement (docs/migrations.md): writers
-- of the outbox and of games (whose trigger writes both tables) never wait
-- for the build. An interrupted build leaves an invalid index: each is
-- dropped first, so a retry builds it again.
DROP INDEX CONCURRENTLY IF EXISTS realtime_outbox_game_id_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS realtime_outbox_game_id_idx ON realtime_outbox (game_id, id) WHERE game_id IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS game_transitions_game_id_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS game_transitions_game_id_idx ON game_transitions (game_id, id);

-- The broadcaster reads the history and prunes game_transitions past
-- GAME_TRANSITIONS_RETENTION_DAYS (it writes none: the triggers do).
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketchyaf_broadcaster') THEN
    GRANT SELECT, DELETE ON game_transitions TO sketchyaf_broadcaster;
  END IF;
END
$grants$;
