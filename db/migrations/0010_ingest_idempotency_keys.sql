-- Up Migration
-- Idempotency keys of the ingest API (Idempotency-Key header). A row is
-- written in the same transaction as the outbox rows of the request it
-- answers, and only when they are written, so a key whose first request
-- failed leaves nothing behind and its retry writes. `scope` is a hash of the
-- caller's API token (never the token), so two clients cannot collide;
-- `body_hash` tells a retry from a reuse of the key for another body;
-- `response` is what a retry is answered with (event ids, sequences, the
-- first request's id). Pruned after INGEST_IDEMPOTENCY_RETENTION_MS.
CREATE TABLE realtime_ingest_keys (
  scope text NOT NULL,
  key text NOT NULL,
  body_hash bytea NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (scope, key)
);

CREATE INDEX realtime_ingest_keys_created_at ON realtime_ingest_keys (created_at);

