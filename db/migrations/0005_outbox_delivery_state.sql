-- Up Migration
-- Delivery bookkeeping for the broadcaster's relay.
--
-- publish_timetoken: PubNub's timetoken for the accepted publish (17 digits,
--   fits a bigint); `POST /v1/events?wait=published` returns it.
-- dead_lettered_at: set when PubNub rejected the event for good (a 4xx other
--   than 429). The relay skips such rows; an operator re-drives them with
--   `POST /admin/dead-letters/redrive`, which clears the column.
ALTER TABLE realtime_outbox
  ADD COLUMN publish_timetoken bigint,
  ADD COLUMN dead_lettered_at timestamptz,
  ADD CONSTRAINT realtime_outbox_delivery_state_check
    CHECK (published_at IS NULL OR dead_lettered_at IS NULL);

-- Dead letters are few; this keeps the admin listing and the gauge cheap
-- without touching the hot unpublished index.
CREATE INDEX realtime_outbox_dead_lettered_idx ON realtime_outbox (id) WHERE dead_lettered_at IS NOT NULL;

-- Shard of an outbox row: game events follow their game (realtime_shard, as
-- the timer monitor does); events without a game (user notifications,
-- presence) are sharded by channel. Must match outboxShardOf() in
-- services/broadcaster/src/events/channels.ts, which hashes the lower-cased
-- string like shardOf() in packages/core.
CREATE FUNCTION realtime_outbox_shard(game_id uuid, channel text, shard_count integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN game_id IS NOT NULL THEN realtime_shard(game_id, shard_count)
              ELSE ((('x' || substr(md5(lower(channel)), 1, 8))::bit(32)::bigint) % shard_count)::integer END
$$;
