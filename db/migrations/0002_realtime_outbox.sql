-- Up Migration
-- Transactional outbox: every event that must reach PubNub is a row here,
-- written in the same transaction as the state change it describes.
CREATE TABLE realtime_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL DEFAULT gen_random_uuid(),
  game_id uuid,
  sequence bigint,
  type text NOT NULL,
  channel text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text NOT NULL,
  source text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  CONSTRAINT realtime_outbox_source_check CHECK (source IN ('timer-monitor', 'database', 'api')),
  -- Game events are ordered by sequence; events for one user carry none.
  CONSTRAINT realtime_outbox_sequence_check CHECK ((game_id IS NULL) = (sequence IS NULL))
);

CREATE UNIQUE INDEX realtime_outbox_game_sequence_key ON realtime_outbox (game_id, sequence);
-- The relay only ever looks at unpublished rows: keep that index tiny.
CREATE INDEX realtime_outbox_unpublished_idx ON realtime_outbox (id) WHERE published_at IS NULL;
