-- Down Migration of 0006_outbox_notify: the relay falls back to polling.
DROP TRIGGER realtime_outbox_after_insert ON realtime_outbox;
DROP FUNCTION realtime_outbox_after_insert();
