-- Down Migration of 0002_realtime_outbox: unpublished events are lost; drain
-- the outbox first (pause ingest, wait for the backlog to reach 0).
DROP TABLE realtime_outbox;
