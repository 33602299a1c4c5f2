-- Down Migration of 0004_game_transition_triggers: games are no longer held to
-- the phase machine and status changes write no events.
DROP TRIGGER games_after_update ON games;
DROP TRIGGER games_before_write ON games;
DROP FUNCTION realtime_games_after_update();
DROP FUNCTION realtime_games_before_write();
DROP FUNCTION realtime_phase_seconds(text, jsonb);
DROP FUNCTION realtime_next_timed_status(text, integer, integer);
DROP FUNCTION realtime_allowed_next_statuses(text);
