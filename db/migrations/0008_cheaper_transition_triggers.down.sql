-- Down Migration of 0008_cheaper_transition_triggers: the trigger functions
-- as 0007 left them (realtime_games_before_write, from 0007) and as 0004
-- wrote them (realtime_games_after_update), copied verbatim; a test compares
-- the restored definitions with a database migrated up to 0007 only.
DROP TRIGGER games_before_durations ON games;
DROP FUNCTION realtime_games_reject_durations();

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

CREATE OR REPLACE FUNCTION realtime_games_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  src text := coalesce(nullif(current_setting('sketchyaf.source', true), ''), 'database');
  req text := nullif(current_setting('sketchyaf.request_id', true), '');
  changed_count integer;
  changes jsonb;
BEGIN
  EXECUTE $sql$
    WITH changed AS MATERIALIZED (
      SELECT n.id, n.last_event_sequence, o.status AS from_status, n.status AS to_status, n.current_round,
             n.total_rounds, n.version, n.phase_started_at, n.phase_expires_at, o.phase_expires_at AS deadline,
             coalesce($2, gen_random_uuid()::text) AS request_id
      FROM realtime_new_games n JOIN realtime_old_games o ON o.id = n.id
      WHERE n.status IS DISTINCT FROM o.status),
    outbox AS (
      INSERT INTO realtime_outbox (game_id, sequence, type, channel, payload, request_id, source, occurred_at)
      SELECT id, last_event_sequence, 'phase_changed', 'game.' || id,
             jsonb_build_object('from', from_status, 'to', to_status, 'round', current_round,
                                'totalRounds', total_rounds, 'version', version,
                                'phaseStartedAt', phase_started_at, 'phaseExpiresAt', phase_expires_at),
             request_id, $1, phase_started_at
      FROM changed)
    INSERT INTO game_transitions (game_id, from_status, to_status, round, version, deadline, source, request_id)
    SELECT id, from_status, to_status, current_round, version, deadline, $1, request_id FROM changed
  $sql$ USING src, req;

  -- The timer monitor learns of its own transitions from RETURNING.
  IF src <> 'timer-monitor' THEN
    EXECUTE $sql$
      SELECT count(*)::integer,
             jsonb_agg(jsonb_build_array(n.id, n.version, round(extract(epoch FROM n.phase_expires_at) * 1000, 3)))
      FROM realtime_new_games n JOIN realtime_old_games o ON o.id = n.id
      WHERE n.phase_expires_at IS DISTINCT FROM o.phase_expires_at OR n.version <> o.version
    $sql$ INTO changed_count, changes;
    IF changed_count > 0 THEN
      -- NOTIFY payloads are capped at 8000 bytes; past 60 rows ask for a reload.
      PERFORM pg_notify('realtime_deadlines',
                        CASE WHEN changed_count <= 60 THEN jsonb_build_object('g', changes)::text
                             ELSE jsonb_build_object('reload', changed_count)::text END);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
