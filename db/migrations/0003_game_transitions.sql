-- Up Migration
-- Audit of every status change: the evidence for exactly-once (one row per
-- game and version; tests count them) and for timer lag (committed_at -
-- deadline). Append-only and on the hot path of every transition, so it has
-- no B-tree: the version compare-and-set on games is what prevents doubles,
-- and this table records honestly whatever happened. BRIN keeps range scans
-- by id or time cheap.
CREATE TABLE game_transitions (
  id bigint GENERATED ALWAYS AS IDENTITY,
  game_id uuid NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  round integer NOT NULL,
  version bigint NOT NULL,
  deadline timestamptz,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  source text NOT NULL,
  request_id text NOT NULL
);

CREATE INDEX game_transitions_id_brin ON game_transitions USING brin (id);
CREATE INDEX game_transitions_committed_at_brin ON game_transitions USING brin (committed_at);
