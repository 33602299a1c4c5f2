-- Up Migration
-- Wakes the relay as soon as events are committed: one NOTIFY per statement
-- that inserted rows (PostgreSQL folds identical notifications of one
-- transaction into one, delivered at commit). Statements that insert nothing,
-- such as the games trigger after an UPDATE without a status change, stay
-- silent. The relay also polls slowly, so a lost notification only costs
-- latency, never an event.
CREATE FUNCTION realtime_outbox_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM realtime_outbox_inserted) THEN
    PERFORM pg_notify('realtime_outbox', '');
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER realtime_outbox_after_insert
  AFTER INSERT ON realtime_outbox
  REFERENCING NEW TABLE AS realtime_outbox_inserted
  FOR EACH STATEMENT EXECUTE FUNCTION realtime_outbox_after_insert();
