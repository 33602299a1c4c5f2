-- Up Migration
-- Timed transitions as HOT updates, and one B-tree less per outbox event.
--
-- A timed transition rewrites status and phase_expires_at. While an index
-- covered phase_expires_at, every transition was a non-HOT update: a new
-- entry in games_pkey and in the deadline index, for a row that moves every
-- few seconds. Instead, games carries `timer_running` (phase_expires_at IS
-- NOT NULL, kept by the trigger) and the only index we add covers that
-- flag, which changes twice in a game's life (start and end). Every update
-- in between is HOT: no index is touched. The timer monitor's sweep, its
-- start-up load and the health check find running games through that
-- partial index and filter on the deadline.
--
-- realtime_outbox (game_id, sequence) loses its unique index: per-game
-- sequences are handed out under the games row lock (the trigger and the
-- ingest API both bump games.last_event_sequence), so they are unique by
-- construction; the trigger now refuses to move last_event_sequence
-- backwards, the one way a writer could make them repeat. The index cost a
-- random-key insert with a uniqueness probe on every event.

-- A HOT update needs room for the new row version on the same page. When
-- 100,000 deadlines fall together, every row of a page changes within a
-- second, faster than pruning frees the old versions; at fillfactor 85 many
-- of those updates fell back to non-HOT. Measured on a drain of 100,000
-- transitions (statements only): fillfactor 85 2.10 s, 70 1.70 s, 50
-- 1.61 s. 70 takes most of the gain for 20 % more pages.
ALTER TABLE games SET (fillfactor = 70);

ALTER TABLE games ADD COLUMN IF NOT EXISTS timer_running boolean NOT NULL DEFAULT false;
UPDATE games SET timer_running = true WHERE phase_expires_at IS NOT NULL AND NOT timer_running;
CREATE INDEX games_timer_running_idx ON games (id) WHERE timer_running;
DROP INDEX games_phase_expires_at_idx;

DROP INDEX realtime_outbox_game_sequence_key;

CREATE OR REPLACE FUNCTION realtime_games_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  seconds numeric;
BEGIN
  IF (TG_OP = 'INSERT' OR NEW.phase_durations IS DISTINCT FROM OLD.phase_durations)
     AND NOT realtime_valid_phase_durations(NEW.phase_durations) THEN
    RAISE EXCEPTION 'invalid phase_durations %', NEW.phase_durations
      USING ERRCODE = 'SK003',
            DETAIL = 'Expected a JSON object; briefing, drawing, voting and results, when present, must be numbers of seconds in (0, 86400].';
  END IF;

  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'waiting' THEN
      RAISE EXCEPTION 'games are created in status waiting, not %', NEW.status
        USING ERRCODE = 'SK002',
              HINT = 'Insert the game as waiting, then start it with UPDATE games SET status = ''briefing''.';
    END IF;
    NEW.version := 0;
    NEW.last_event_sequence := 0;
    NEW.phase_started_at := NULL;
    NEW.phase_expires_at := NULL;
    NEW.timer_running := false;
    RETURN NEW;
  END IF;

  IF NEW.last_event_sequence < OLD.last_event_sequence THEN
    RAISE EXCEPTION 'last_event_sequence of game % cannot go back from % to %',
      OLD.id, OLD.last_event_sequence, NEW.last_event_sequence
      USING ERRCODE = 'SK004',
            DETAIL = 'Per-game event sequences must never repeat: players drop repeated sequences.';
  END IF;

  IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    -- The backend may move or clear a deadline without a status change.
    NEW.timer_running := NEW.phase_expires_at IS NOT NULL;
    RETURN NEW;
  END IF;

  IF NOT (NEW.status = ANY (realtime_allowed_next_statuses(OLD.status))) THEN
    RAISE EXCEPTION 'invalid game transition % -> % for game %', OLD.status, NEW.status, OLD.id
      USING ERRCODE = 'SK001',
            DETAIL = format('Allowed from %s: %s.', OLD.status,
                            coalesce(nullif(array_to_string(realtime_allowed_next_statuses(OLD.status), ', '), ''),
                                     'none (terminal status)'));
  END IF;

  IF OLD.status = 'results' AND NEW.status = 'briefing' THEN
    IF OLD.current_round >= OLD.total_rounds THEN
      RAISE EXCEPTION 'invalid game transition results -> briefing for game %: round % of % was the last',
        OLD.id, OLD.current_round, OLD.total_rounds
        USING ERRCODE = 'SK001', HINT = 'Move the game to completed.';
    END IF;
    NEW.current_round := OLD.current_round + 1;
  ELSIF OLD.status = 'results' AND NEW.status = 'completed' AND OLD.current_round < OLD.total_rounds THEN
    RAISE EXCEPTION 'invalid game transition results -> completed for game %: round % of %, rounds remain',
      OLD.id, OLD.current_round, OLD.total_rounds
      USING ERRCODE = 'SK001', HINT = 'Move the game to briefing for the next round, or to cancelled.';
  END IF;

  NEW.version := OLD.version + 1;
  NEW.last_event_sequence := OLD.last_event_sequence + 1;
  NEW.phase_started_at := clock_timestamp();
  seconds := realtime_phase_seconds(NEW.status, NEW.phase_durations);
  NEW.phase_expires_at := CASE WHEN seconds IS NULL THEN NULL
                               ELSE NEW.phase_started_at + seconds * interval '1 second' END;
  NEW.timer_running := seconds IS NOT NULL;
  RETURN NEW;
END
$$;
