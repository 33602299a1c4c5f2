-- Up Migration
-- The game backend owns `games`; this system owns the timer columns, the
-- transition rules and the two bookkeeping columns added below. The table may
-- already exist in the backend's database, hence IF NOT EXISTS throughout.
CREATE TABLE IF NOT EXISTS games (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'waiting',
  current_round integer NOT NULL DEFAULT 1,
  total_rounds integer NOT NULL DEFAULT 3,
  phase_durations jsonb NOT NULL DEFAULT '{}'::jsonb,
  phase_started_at timestamptz,
  phase_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Adopting a table that predates this system (runbooks/cutover.md): the
-- contract's columns it lacks are added; constant defaults, so no rewrite.
ALTER TABLE games
  ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'waiting',
  ADD COLUMN IF NOT EXISTS current_round integer NOT NULL DEFAULT 1,
  ADD COLUMN IF NOT EXISTS total_rounds integer NOT NULL DEFAULT 3,
  ADD COLUMN IF NOT EXISTS phase_durations jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN IF NOT EXISTS phase_started_at timestamptz,
  ADD COLUMN IF NOT EXISTS phase_expires_at timestamptz;

-- Compare-and-set token for transitions: +1 on every status change.
ALTER TABLE games ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0;
-- Last per-game event sequence handed out (phase changes and API events share it).
ALTER TABLE games ADD COLUMN IF NOT EXISTS last_event_sequence bigint NOT NULL DEFAULT 0;

-- Room on each page for HOT updates of the narrow hot row.
ALTER TABLE games SET (fillfactor = 85);

CREATE FUNCTION realtime_valid_phase_durations(durations jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(durations) = 'object' AND NOT EXISTS (
    SELECT 1 FROM jsonb_each(durations) AS e(key, value)
    WHERE e.key IN ('briefing', 'drawing', 'voting', 'results')
      AND (jsonb_typeof(e.value) <> 'number' OR e.value::numeric <= 0 OR e.value::numeric > 86400))
$$;

-- phase_durations is validated by the games_before_write trigger, only when it
-- changes: as a CHECK it would be re-evaluated on every timed transition.
ALTER TABLE games
  ADD CONSTRAINT games_status_check
    CHECK (status IN ('waiting', 'briefing', 'drawing', 'voting', 'results', 'completed', 'cancelled')),
  ADD CONSTRAINT games_rounds_check
    CHECK (total_rounds >= 1 AND current_round >= 1 AND current_round <= total_rounds);

-- The timer monitor loads and sweeps by deadline; finished games drop out.
CREATE INDEX games_phase_expires_at_idx ON games (phase_expires_at) WHERE phase_expires_at IS NOT NULL;

-- Shard of a game: first 32 bits of md5(id) modulo the shard count. The same
-- function exists in TypeScript (packages/core/src/shard.ts); a test keeps
-- them equal. md5 rather than the raw UUID bits because not every UUID
-- version has random low or high bits.
CREATE FUNCTION realtime_shard(game_id uuid, shard_count integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((('x' || substr(md5(game_id::text), 1, 8))::bit(32)::bigint) % shard_count)::integer
$$;
