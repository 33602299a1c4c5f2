-- Up Migration
-- What every table, column, function and trigger is for, where people look:
-- `\d+ games` and `\df+` in psql, obj_description() and col_description().
-- docs/contract.md is the contract; db/README.md has the NOTIFY payloads,
-- session settings, error codes and trigger order. A test fails when an
-- object of the public schema has no comment, so later migrations add theirs.
-- COMMENT takes a SHARE UPDATE EXCLUSIVE lock: writers of games do not wait.

COMMENT ON TABLE games IS
  'One row per game. The game backend owns the rows; this system owns the timer columns and the transitions, which the triggers check for every writer (docs/contract.md).';
COMMENT ON COLUMN games.id IS 'Primary key, chosen by the backend (or gen_random_uuid()).';
COMMENT ON COLUMN games.status IS
  'waiting, briefing, drawing, voting, results, completed or cancelled; a change must be allowed by realtime_allowed_next_statuses (SK001).';
COMMENT ON COLUMN games.current_round IS 'Round counter, 1-based; +1 on results -> briefing.';
COMMENT ON COLUMN games.total_rounds IS 'Rounds the game plays; results -> completed only after the last.';
COMMENT ON COLUMN games.phase_durations IS
  'Seconds per timed phase (briefing, drawing, voting, results), fractions allowed, each in (0, 86400] (SK003); missing keys take the defaults of realtime_phase_seconds.';
COMMENT ON COLUMN games.phase_started_at IS 'When the current status began (database clock); set by the trigger on every status change.';
COMMENT ON COLUMN games.phase_expires_at IS
  'When the current timed phase ends and the timer monitor moves the game on; null when no timer runs.';
COMMENT ON COLUMN games.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN games.version IS '+1 on every status change: the compare-and-set token of the timer monitor''s transitions.';
COMMENT ON COLUMN games.last_event_sequence IS
  'The sequence of the game''s last event (status changes and ingested events alike); never goes back (SK004).';
COMMENT ON COLUMN games.timer_running IS
  'True while a timed phase runs: the key of the partial index the timer monitor loads its deadlines from.';

COMMENT ON TABLE game_transitions IS
  'Audit log: one row per status change of a game, written by the games_after_update trigger in the same transaction.';
COMMENT ON COLUMN game_transitions.id IS 'Insertion order.';
COMMENT ON COLUMN game_transitions.game_id IS 'The game (games.id); no foreign key, so that pruning games keeps the history.';
COMMENT ON COLUMN game_transitions.from_status IS 'Status before the change.';
COMMENT ON COLUMN game_transitions.to_status IS 'Status after the change.';
COMMENT ON COLUMN game_transitions.round IS 'games.current_round after the change.';
COMMENT ON COLUMN game_transitions.version IS 'games.version after the change.';
COMMENT ON COLUMN game_transitions.deadline IS
  'phase_expires_at of the phase that ended: for a timed transition, committed_at - deadline is the timer''s lateness.';
COMMENT ON COLUMN game_transitions.committed_at IS 'clock_timestamp() when the trigger wrote the row.';
COMMENT ON COLUMN game_transitions.source IS
  'Who changed the status: timer-monitor, or database (any other writer); from the sketchyaf.source session setting.';
COMMENT ON COLUMN game_transitions.request_id IS
  'sketchyaf.request_id of the writing session, else a new uuid; the same as the phase_changed event''s requestId.';

COMMENT ON TABLE realtime_outbox IS
  'Transactional outbox: every event, from the commit that wrote it until the relay published it to PubNub or dead-lettered it. Pending: published_at and dead_lettered_at null.';
COMMENT ON COLUMN realtime_outbox.id IS 'Insertion order; the relay claims pending rows in this order per shard.';
COMMENT ON COLUMN realtime_outbox.event_id IS 'The envelope''s eventId: a repeated delivery carries the same one.';
COMMENT ON COLUMN realtime_outbox.game_id IS 'The game of a game or presence event; null for user events.';
COMMENT ON COLUMN realtime_outbox.sequence IS
  'Per-game order of game events (games.last_event_sequence when written); null exactly when game_id is.';
COMMENT ON COLUMN realtime_outbox.type IS 'Event type (phase_changed, player_joined, ...; services/broadcaster/src/events/catalogue.ts).';
COMMENT ON COLUMN realtime_outbox.channel IS 'PubNub channel: game.<gameId>, presence.<gameId> or user.<userId>.';
COMMENT ON COLUMN realtime_outbox.payload IS 'The envelope''s data object.';
COMMENT ON COLUMN realtime_outbox.request_id IS 'The envelope''s requestId: the request or statement that wrote the event.';
COMMENT ON COLUMN realtime_outbox.source IS 'The envelope''s source: timer-monitor, database (a backend''s own UPDATE) or api (the ingest API).';
COMMENT ON COLUMN realtime_outbox.occurred_at IS 'The envelope''s occurredAt (for phase_changed: the new phase''s start).';
COMMENT ON COLUMN realtime_outbox.created_at IS 'When the row was written.';
COMMENT ON COLUMN realtime_outbox.published_at IS 'When PubNub accepted the publish; null while pending or dead-lettered.';
COMMENT ON COLUMN realtime_outbox.attempts IS 'Failed publish attempts so far.';
COMMENT ON COLUMN realtime_outbox.last_error IS 'The last publish failure, for on-call and dead letters.';
COMMENT ON COLUMN realtime_outbox.publish_timetoken IS 'PubNub''s timetoken of the accepted publish.';
COMMENT ON COLUMN realtime_outbox.dead_lettered_at IS
  'When the relay gave up on the event (never with published_at); POST /admin/redrive puts it back.';

COMMENT ON TABLE realtime_ingest_keys IS
  'Idempotency-Key answers of the ingest API, written in the transaction of the events they answer; pruned after INGEST_IDEMPOTENCY_RETENTION_MS.';
COMMENT ON COLUMN realtime_ingest_keys.scope IS 'A hash of the caller''s API token (never the token): two clients cannot collide.';
COMMENT ON COLUMN realtime_ingest_keys.key IS 'The Idempotency-Key header.';
COMMENT ON COLUMN realtime_ingest_keys.body_hash IS 'Hash of the request body: tells a retry from a reuse of the key for another body (422).';
COMMENT ON COLUMN realtime_ingest_keys.response IS 'What a retry is answered with: event ids, sequences, the first request''s id.';
COMMENT ON COLUMN realtime_ingest_keys.created_at IS 'When the first request committed; the pruning key.';

COMMENT ON TABLE realtime_relays IS
  'Which relays are awake (UNLOGGED): the outbox trigger skips its NOTIFY while there is one and every one is awake (migration 0012).';
COMMENT ON COLUMN realtime_relays.relay_id IS 'A relay process, random per start.';
COMMENT ON COLUMN realtime_relays.awake IS 'True while the relay works and will claim again by itself; false while it waits for a NOTIFY.';
COMMENT ON COLUMN realtime_relays.seen_at IS 'Last time the relay marked itself; rows not seen for a while are forgotten (the relay died).';

COMMENT ON TABLE realtime_shard_leases IS
  'Shard ownership of record for the lease quorum''s PostgreSQL fallback (docs/leases.md): a row is taken only once expired, or by its owner.';
COMMENT ON COLUMN realtime_shard_leases.lease_prefix IS 'Which component''s leases (timer monitor, relay).';
COMMENT ON COLUMN realtime_shard_leases.shard IS 'Shard number, 0 to SHARD_COUNT - 1 (realtime_shard).';
COMMENT ON COLUMN realtime_shard_leases.owner IS 'The replica holding the shard.';
COMMENT ON COLUMN realtime_shard_leases.token IS 'Random per acquisition: a renewal or release must present it.';
COMMENT ON COLUMN realtime_shard_leases.expires_at IS 'Database clock: after it the shard may be taken by another replica.';

COMMENT ON TABLE realtime_lease_members IS
  'Replicas sharing the shards as PostgreSQL sees them: the fair share is computed from these rows while Redis is unreachable.';
COMMENT ON COLUMN realtime_lease_members.lease_prefix IS 'Which component''s leases (timer monitor, relay).';
COMMENT ON COLUMN realtime_lease_members.member IS 'The replica.';
COMMENT ON COLUMN realtime_lease_members.mode IS 'Coordination the replica used in its last round: redis or postgres (for on-call).';
COMMENT ON COLUMN realtime_lease_members.expires_at IS 'Database clock: a member not renewed by then no longer counts.';

COMMENT ON FUNCTION realtime_allowed_next_statuses(text) IS
  'The statuses a game may move to from from_status: the phase rules (the TypeScript twin is allowedNextStatuses; a parity test checks both).';
COMMENT ON FUNCTION realtime_next_timed_status(text, integer, integer) IS
  'The status a timed phase ends in: briefing -> drawing -> voting -> results -> briefing (rounds remain) or completed; null when untimed.';
COMMENT ON FUNCTION realtime_phase_seconds(text, jsonb) IS
  'Seconds the phase lasts: durations ->> status, else the default (briefing 5, drawing 60, voting 20, results 10); null for untimed statuses.';
COMMENT ON FUNCTION realtime_valid_phase_durations(jsonb) IS
  'Whether phase_durations is an object whose timed-phase keys are numbers in (0, 86400].';
COMMENT ON FUNCTION realtime_games_reject_durations() IS
  'Trigger function of games_before_durations: raises SK003 (invalid phase_durations).';
COMMENT ON FUNCTION realtime_games_before_write() IS
  'Trigger function of games_before_write: inserts must be waiting (SK002); checks transitions (SK001) and last_event_sequence (SK004); sets version, last_event_sequence, phase times and timer_running.';
COMMENT ON FUNCTION realtime_games_after_update() IS
  'Trigger function of games_after_update: per changed game one phase_changed outbox row and one game_transitions row; NOTIFY realtime_deadlines unless the timer monitor made the change (payload: db/README.md).';
COMMENT ON FUNCTION realtime_outbox_after_insert() IS
  'Trigger function of realtime_outbox_after_insert: NOTIFY realtime_outbox (empty payload) unless every relay is awake.';
COMMENT ON FUNCTION realtime_shard(uuid, integer) IS 'The shard of a game: the first 32 bits of md5(game id) modulo shard_count.';
COMMENT ON FUNCTION realtime_outbox_shard(uuid, text, integer) IS
  'The shard of an outbox row: its game''s shard, else a hash of the lower-cased channel (user events).';
COMMENT ON FUNCTION realtime_relay_awake(uuid) IS 'The relay works and will claim again by itself: writers need not NOTIFY it.';
COMMENT ON FUNCTION realtime_relay_asleep(uuid, integer, integer) IS
  'The relay caught up and waits for a NOTIFY: returns once every writer that skipped its NOTIFY has committed (at most wait_ms); forgets relays not seen for forget_after_ms.';
COMMENT ON FUNCTION realtime_relay_gone(uuid) IS 'The relay stops: its row goes.';

COMMENT ON TRIGGER games_before_durations ON games IS
  'BEFORE INSERT or UPDATE OF phase_durations, per row, only when invalid: raises SK003. Fires first (same-kind triggers fire in name order).';
COMMENT ON TRIGGER games_before_write ON games IS
  'BEFORE INSERT or UPDATE, per row: checks the write and sets the timer columns (realtime_games_before_write).';
COMMENT ON TRIGGER games_after_update ON games IS
  'AFTER UPDATE, per statement: events, audit rows and the deadline NOTIFY of the status changes (realtime_games_after_update).';
COMMENT ON TRIGGER realtime_outbox_after_insert ON realtime_outbox IS
  'AFTER INSERT, per statement: wakes the relays (realtime_outbox_after_insert).';
