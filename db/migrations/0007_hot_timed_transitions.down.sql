-- Down Migration of 0007_hot_timed_transitions: realtime_games_before_write as
-- 0004 wrote it (copied verbatim), the deadline index instead of the
-- timer_running flag, the outbox's unique (game_id, sequence) index back
-- (sequences are unique by construction, see 0007), fillfactor 85. Builds
-- two indexes under lock: seconds for a few hundred thousand rows.
-- The strongest lock first: taking a weaker one and then upgrading it can
-- deadlock with a writer of games that does the same.
LOCK TABLE games IN ACCESS EXCLUSIVE MODE;

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
    RETURN NEW;
  END IF;

  IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
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
  RETURN NEW;
END
$$;

CREATE INDEX games_phase_expires_at_idx ON games (phase_expires_at) WHERE phase_expires_at IS NOT NULL;
DROP INDEX games_timer_running_idx;
ALTER TABLE games DROP COLUMN timer_running;
ALTER TABLE games SET (fillfactor = 85);

CREATE UNIQUE INDEX realtime_outbox_game_sequence_key ON realtime_outbox (game_id, sequence);
