-- Down Migration of 0010_ingest_idempotency_keys: releases before 0010 take no
-- Idempotency-Key, so the keys go with the table.
DROP TABLE realtime_ingest_keys;
