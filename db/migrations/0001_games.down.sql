-- Down Migration of 0001_games: removes what this system added to `games` and
-- keeps the table and its rows, which belong to the game backend (0001
-- creates the table only where it did not exist; see runbooks/cutover.md).
-- The strongest lock first: taking a weaker one and then upgrading it can
-- deadlock with a writer of games that does the same.
LOCK TABLE games IN ACCESS EXCLUSIVE MODE;

DROP FUNCTION realtime_shard(uuid, integer);
DROP INDEX games_phase_expires_at_idx;
ALTER TABLE games
  DROP CONSTRAINT games_rounds_check,
  DROP CONSTRAINT games_status_check,
  DROP COLUMN last_event_sequence,
  DROP COLUMN version;
ALTER TABLE games RESET (fillfactor);
DROP FUNCTION realtime_valid_phase_durations(jsonb);
