-- Up Migration
-- The phase machine lives here, in the database, so that every writer (the
-- game backend, the timer monitor, an operator with psql) is held to it.

CREATE FUNCTION realtime_allowed_next_statuses(from_status text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE from_status
    WHEN 'waiting' THEN ARRAY['briefing', 'cancelled']
    WHEN 'briefing' THEN ARRAY['drawing', 'cancelled']
    WHEN 'drawing' THEN ARRAY['voting', 'cancelled']
    WHEN 'voting' THEN ARRAY['results', 'cancelled']
    WHEN 'results' THEN ARRAY['briefing', 'completed', 'cancelled']
    ELSE ARRAY[]::text[]
  END
$$;

-- What the timer does when a phase expires; results branches on rounds left.
CREATE FUNCTION realtime_next_timed_status(status text, current_round integer, total_rounds integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status
    WHEN 'briefing' THEN 'drawing'
    WHEN 'drawing' THEN 'voting'
    WHEN 'voting' THEN 'results'
    WHEN 'results' THEN CASE WHEN current_round < total_rounds THEN 'briefing' ELSE 'completed' END
  END
$$;

-- Seconds a timed phase lasts: phase_durations overrides the defaults.
CREATE FUNCTION realtime_phase_seconds(status text, durations jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN status IN ('briefing', 'drawing', 'voting', 'results') THEN
    coalesce((durations ->> status)::numeric,
             CASE status WHEN 'briefing' THEN 5 WHEN 'drawing' THEN 60 WHEN 'voting' THEN 20 ELSE 10 END)
  END
$$;

CREATE FUNCTION realtime_games_before_write() RETURNS trigger
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

CREATE TRIGGER games_before_write
  BEFORE INSERT OR UPDATE ON games
  FOR EACH ROW EXECUTE FUNCTION realtime_games_before_write();

-- Once per statement: write the outbox events and the audit rows of every
-- status change, and tell timer monitors about new deadlines. Set-based, so a
-- batch of 500 timed transitions costs one INSERT pair, not 1,000 INSERTs.
-- The queries go through EXECUTE on purpose: a cached plan is made for the
-- transition tables' size at planning time, and a nested loop planned for one
-- row turns quadratic on a batch of 500 (60 ms instead of 1 ms).
CREATE FUNCTION realtime_games_after_update() RETURNS trigger
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

CREATE TRIGGER games_after_update
  AFTER UPDATE ON games
  REFERENCING OLD TABLE AS realtime_old_games NEW TABLE AS realtime_new_games
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_games_after_update();
