-- Down Migration of 0005_outbox_delivery_state: drops the delivery bookkeeping
-- (timetokens and dead-letter marks are lost; dead letters count as unpublished).
DROP FUNCTION realtime_outbox_shard(uuid, text, integer);
DROP INDEX realtime_outbox_dead_lettered_idx;
ALTER TABLE realtime_outbox
  DROP CONSTRAINT realtime_outbox_delivery_state_check,
  DROP COLUMN publish_timetoken,
  DROP COLUMN dead_lettered_at;
