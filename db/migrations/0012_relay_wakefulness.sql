-- Up Migration
-- No NOTIFY while every relay is awake.
--
-- NOTIFY takes a database-wide lock from the notifying statement until its
-- transaction's commit is done, so commits that NOTIFY are serialised: about
-- 1,000 single-event commits/s on the test machine, whatever the number of
-- writers. A relay that is draining claims again on its own, so waking it is
-- wasted. Each relay keeps a row in realtime_relays: awake while it works,
-- asleep once a claim found nothing and it waits for a NOTIFY. The outbox
-- trigger skips the NOTIFY only when there is a relay and every relay is awake.
--
-- The race: a writer reads "awake", the relay then goes to sleep, and the
-- writer commits after the relay's last claim: its event would wait for the
-- slow poll. So a writer that skips its NOTIFY holds a shared advisory lock
-- from before that read until its commit, and going to sleep takes the same
-- lock exclusively after marking the row: it returns once every such writer
-- has committed, and the relay claims once more before it waits. A writer
-- that finds the lock taken or awaited (pg_try_* fails, it never waits) just
-- NOTIFYs. realtime_relay_asleep gives up after wait_ms (a writer's long
-- transaction): the row stays awake and the relay claims again soon.
--
-- A relay that died leaves its row: an asleep one makes writers NOTIFY (as
-- before) until another relay forgets it; an awake one is harmless, since
-- the live relays' rows decide. With no row at all (no relay running this
-- version) writers NOTIFY as before. UNLOGGED: a crash or a failover empties
-- the table, which again means NOTIFY.
CREATE UNLOGGED TABLE realtime_relays (
  relay_id uuid PRIMARY KEY,
  awake boolean NOT NULL,
  seen_at timestamptz NOT NULL
);

-- The relay is working and will claim again by itself: writers need not wake it.
CREATE FUNCTION realtime_relay_awake(relay uuid) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO realtime_relays (relay_id, awake, seen_at) VALUES (relay, true, clock_timestamp())
  ON CONFLICT (relay_id) DO UPDATE SET awake = true, seen_at = excluded.seen_at
$$;

-- The relay caught up and will wait for a NOTIFY. Returns once every writer
-- that skipped its NOTIFY has committed; the relay's next claim sees their
-- events. Forgets relays not seen for forget_after_ms (they died).
CREATE FUNCTION realtime_relay_asleep(relay uuid, wait_ms integer, forget_after_ms integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO realtime_relays (relay_id, awake, seen_at) VALUES (relay, false, clock_timestamp())
  ON CONFLICT (relay_id) DO UPDATE SET awake = false, seen_at = excluded.seen_at;
  DELETE FROM realtime_relays
  WHERE relay_id <> relay AND seen_at < clock_timestamp() - forget_after_ms * interval '1 millisecond';
  PERFORM set_config('lock_timeout', wait_ms || 'ms', true);
  PERFORM pg_advisory_xact_lock(1397440838, 1);
END
$$;

CREATE FUNCTION realtime_relay_gone(relay uuid) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM realtime_relays WHERE relay_id = relay
$$;

CREATE OR REPLACE FUNCTION realtime_outbox_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM realtime_outbox_inserted) THEN
    RETURN NULL;
  END IF;
  -- The lock before the read (each statement here takes a new snapshot), held to the commit.
  IF pg_try_advisory_xact_lock_shared(1397440838, 1) THEN
    IF coalesce((SELECT bool_and(awake) FROM realtime_relays), false) THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM pg_notify('realtime_outbox', '');
  RETURN NULL;
END
$$;

-- Writers of the outbox (the games trigger, the ingest API) need no right on
-- realtime_relays: the trigger runs as its owner, like the games trigger
-- (0011), once per statement.
DO $fix$
BEGIN
  EXECUTE format('ALTER FUNCTION realtime_outbox_after_insert() SECURITY DEFINER SET search_path = %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION realtime_relay_awake(uuid) SECURITY DEFINER SET search_path = %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION realtime_relay_asleep(uuid, integer, integer) SECURITY DEFINER SET search_path = %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION realtime_relay_gone(uuid) SECURITY DEFINER SET search_path = %I, pg_temp',
                 current_schema());
END
$fix$;
REVOKE EXECUTE ON FUNCTION realtime_outbox_after_insert(), realtime_relay_awake(uuid),
  realtime_relay_asleep(uuid, integer, integer), realtime_relay_gone(uuid) FROM PUBLIC;

DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sketchyaf_broadcaster') THEN
    GRANT EXECUTE ON FUNCTION realtime_relay_awake(uuid), realtime_relay_asleep(uuid, integer, integer),
      realtime_relay_gone(uuid) TO sketchyaf_broadcaster;
  END IF;
END
$grants$;
