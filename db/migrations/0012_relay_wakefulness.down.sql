-- Down Migration
-- Back to one NOTIFY per statement that inserted events (0006), run as the invoker.
CREATE OR REPLACE FUNCTION realtime_outbox_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM realtime_outbox_inserted) THEN
    PERFORM pg_notify('realtime_outbox', '');
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION realtime_outbox_after_insert() SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION realtime_outbox_after_insert() TO PUBLIC;

DROP FUNCTION realtime_relay_gone(uuid);
DROP FUNCTION realtime_relay_asleep(uuid, integer, integer);
DROP FUNCTION realtime_relay_awake(uuid);
DROP TABLE realtime_relays;
