-- Up Migration
-- Audit of every status change: proves exactly-once (one row per game and
-- version, enforced) and measures timer lag (committed_at - deadline).
CREATE TABLE game_transitions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  game_id uuid NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  round integer NOT NULL,
  version bigint NOT NULL,
  deadline timestamptz,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  source text NOT NULL,
  request_id text NOT NULL,
  CONSTRAINT game_transitions_game_version_key UNIQUE (game_id, version)
);
