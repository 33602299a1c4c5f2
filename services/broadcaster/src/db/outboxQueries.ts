import type { Pool, PoolClient } from '@sketchyaf/core';
import type { EventSource } from '../events/envelope.ts';
import type { IdempotencyClaim, StoredAnswer } from '../ingest/idempotencyKey.ts';
import type { PreparedEvent } from '../ingest/prepareEvent.ts';

// Every SQL statement of the broadcaster, in one place.

export interface InsertedRow {
  kind: 'inserted' | 'missing_game' | 'busy_game';
  /** Submission index (inserted); null for missing_game and busy_game, whose `id` is the game id. */
  req: number | null;
  id: string;
  event_id: string | null;
  sequence: string | null;
}

/**
 * One statement for a whole group of requests. Every game named is locked
 * first; game events then take the next sequences of their game, bumped
 * under that lock. A request naming an unknown game writes nothing; the
 * others in the group are unaffected.
 *
 * The lock skips rows another transaction holds (SKIP LOCKED): one game held
 * by a long backend transaction used to hold the whole group commit, every
 * request of every game in it. Such a game comes back as busy_game and the
 * requests naming it write nothing; the caller tries them again in a later
 * group. Never waiting for a lock also means concurrent groups cannot
 * deadlock each other.
 */
export async function insertEvents(
  pool: Pool | PoolClient,
  submissions: readonly (readonly PreparedEvent[])[],
): Promise<InsertedRow[]> {
  const req: number[] = [];
  const eventIds: string[] = [];
  const gameIds: (string | null)[] = [];
  const sequenced: boolean[] = [];
  const types: string[] = [];
  const channels: string[] = [];
  const payloads: string[] = [];
  const requestIds: string[] = [];
  const occurredAt: (string | null)[] = [];
  submissions.forEach((events, i) => {
    for (const e of events) {
      req.push(i);
      eventIds.push(e.eventId);
      gameIds.push(e.gameId);
      sequenced.push(e.sequenced);
      types.push(e.type);
      channels.push(e.channel);
      payloads.push(e.dataJson);
      requestIds.push(e.requestId);
      occurredAt.push(e.occurredAt);
    }
  });
  const { rows } = await pool.query<InsertedRow>({
    name: 'broadcaster_insert_events',
    text: `WITH input AS (
       SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::bool[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::timestamptz[])
         WITH ORDINALITY AS i(req, event_id, game_id, sequenced, type, channel, payload, request_id, occurred_at, ord)),
     locked AS (
       SELECT id FROM games
       WHERE id = ANY(ARRAY(SELECT DISTINCT game_id FROM input WHERE game_id IS NOT NULL))
       ORDER BY id FOR NO KEY UPDATE SKIP LOCKED),
     unlocked AS (
       SELECT DISTINCT i.game_id FROM input i
       WHERE i.game_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM locked l WHERE l.id = i.game_id)),
     missing AS (
       SELECT u.game_id FROM unlocked u WHERE NOT EXISTS (SELECT 1 FROM games g WHERE g.id = u.game_id)),
     accepted AS (
       SELECT * FROM input i WHERE NOT EXISTS (SELECT 1 FROM input j JOIN unlocked u ON u.game_id = j.game_id WHERE j.req = i.req)),
     counts AS (
       SELECT game_id, count(*) AS n FROM accepted WHERE sequenced GROUP BY game_id),
     bumped AS (
       UPDATE games g SET last_event_sequence = g.last_event_sequence + c.n
       FROM counts c WHERE g.id = c.game_id
       RETURNING g.id, g.last_event_sequence - c.n AS base),
     numbered AS (
       SELECT a.*, CASE WHEN a.sequenced
                        THEN b.base + row_number() OVER (PARTITION BY a.game_id, a.sequenced ORDER BY a.ord) END AS seq
       FROM accepted a LEFT JOIN bumped b ON b.id = a.game_id AND a.sequenced
       WHERE NOT a.sequenced OR b.id IS NOT NULL),
     inserted AS (
       INSERT INTO realtime_outbox (event_id, game_id, sequence, type, channel, payload, request_id, source, occurred_at)
       SELECT event_id, CASE WHEN sequenced THEN game_id END, seq, type, channel, payload::jsonb, request_id, 'api',
              coalesce(occurred_at, clock_timestamp())
       FROM numbered ORDER BY ord
       RETURNING id, event_id, sequence)
     SELECT 'inserted' AS kind, n.req, i.id::text, i.event_id::text, i.sequence::text
     FROM inserted i JOIN numbered n ON n.event_id = i.event_id
     UNION ALL
     SELECT 'missing_game', NULL, m.game_id::text, NULL, NULL FROM missing m
     UNION ALL
     SELECT 'busy_game', NULL, u.game_id::text, NULL, NULL FROM unlocked u
     WHERE NOT EXISTS (SELECT 1 FROM missing m WHERE m.game_id = u.game_id)`,
    values: [req, eventIds, gameIds, sequenced, types, channels, payloads, requestIds, occurredAt],
  });
  return rows;
}

/**
 * Claims idempotency keys in the caller's open transaction; returns the
 * claims inserted (scope and key). A key another transaction inserted and
 * has not committed yet makes this wait for it: its request is then either
 * written (the key stays: a replay here) or not (the key is gone: the insert
 * goes ahead). Keys are inserted in sorted order so that two groups claiming
 * the same keys cannot deadlock.
 */
export async function claimIngestKeys(
  client: PoolClient,
  claims: readonly IdempotencyClaim[],
): Promise<{ scope: string; key: string }[]> {
  const { rows } = await client.query<{ scope: string; key: string }>({
    name: 'broadcaster_claim_ingest_keys',
    text: `INSERT INTO realtime_ingest_keys (scope, key, body_hash)
     SELECT scope, key, body_hash FROM unnest($1::text[], $2::text[], $3::bytea[]) AS k(scope, key, body_hash)
     ORDER BY scope, key
     ON CONFLICT DO NOTHING
     RETURNING scope, key`,
    values: [claims.map((c) => c.scope), claims.map((c) => c.key), claims.map((c) => c.bodyHash)],
  });
  return rows;
}

/**
 * Settles claimed keys before commit: a written request's key keeps its
 * answer; a request that wrote nothing (unknown or busy game) gives its key
 * up, so that a retry writes.
 */
export async function settleIngestKeys(
  client: PoolClient,
  settled: readonly { scope: string; key: string; answer: StoredAnswer | null }[],
): Promise<void> {
  await client.query({
    name: 'broadcaster_settle_ingest_keys',
    text: `WITH answers AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS a(scope, key, response)),
     answered AS (
       UPDATE realtime_ingest_keys k SET response = a.response
       FROM answers a WHERE k.scope = a.scope AND k.key = a.key AND a.response IS NOT NULL)
     DELETE FROM realtime_ingest_keys k USING answers a
     WHERE k.scope = a.scope AND k.key = a.key AND a.response IS NULL`,
    values: [
      settled.map((s) => s.scope),
      settled.map((s) => s.key),
      settled.map((s) => (s.answer === null ? null : JSON.stringify(s.answer))),
    ],
  });
}

export interface StoredKeyRow {
  scope: string;
  key: string;
  body_hash: Buffer;
  response: StoredAnswer | null;
}

/** The answers of keys a request found already taken (committed ones; in a transaction, also its own). */
export async function storedIngestAnswers(
  pool: Pool | PoolClient,
  keys: readonly { scope: string; key: string }[],
): Promise<StoredKeyRow[]> {
  const { rows } = await pool.query<StoredKeyRow>({
    name: 'broadcaster_stored_ingest_answers',
    text: `SELECT k.scope, k.key, k.body_hash, k.response
     FROM realtime_ingest_keys k JOIN unnest($1::text[], $2::text[]) AS w(scope, key)
       ON k.scope = w.scope AND k.key = w.key`,
    values: [keys.map((k) => k.scope), keys.map((k) => k.key)],
  });
  return rows;
}

/** Deletes up to `limit` idempotency keys older than `retentionMs`, oldest first. */
export async function pruneIngestKeys(pool: Pool, retentionMs: number, limit: number): Promise<number> {
  const result = await pool.query(
    `DELETE FROM realtime_ingest_keys k USING (
       SELECT scope, key FROM realtime_ingest_keys
       WHERE created_at < clock_timestamp() - $1 * interval '1 millisecond'
       ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
     WHERE k.scope = d.scope AND k.key = d.key`,
    [retentionMs, limit],
  );
  return result.rowCount ?? 0;
}

export interface OutboxRow {
  id: string;
  event_id: string;
  game_id: string | null;
  sequence: string | null;
  type: string;
  channel: string;
  payload: unknown;
  request_id: string;
  source: EventSource;
  occurred_at: Date;
  created_at: Date;
  /** Size of the payload as text (an estimate of its JSON size, a little high). */
  payload_bytes: number;
}

/**
 * The oldest unpublished, live events not already held in memory, in id order
 * (per game that is sequence order). Null `shards` means every shard.
 */
export async function claimEvents(
  pool: Pool,
  options: {
    heldIds: readonly string[];
    shards: readonly number[] | null;
    shardCount: number;
    limit: number;
  },
): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxRow>(
    // Ordered by the bigint column (o.id), not the text alias: '100' < '81' as text.
    `SELECT o.id::text AS id, o.event_id::text AS event_id, o.game_id::text AS game_id, o.sequence::text AS sequence,
            o.type, o.channel, o.payload, o.request_id, o.source, o.occurred_at, o.created_at,
            octet_length(o.payload::text) AS payload_bytes
     FROM realtime_outbox o
     WHERE o.published_at IS NULL AND o.dead_lettered_at IS NULL
       AND NOT (o.id = ANY($1::bigint[]))
       AND ($2::int[] IS NULL OR realtime_outbox_shard(o.game_id, o.channel, $3) = ANY($2::int[]))
     ORDER BY o.id
     LIMIT $4`,
    [options.heldIds, options.shards, options.shardCount, options.limit],
  );
  return rows;
}

export interface PublishedMark {
  id: string;
  timetoken: string;
  attempts: number;
}

/**
 * `publish_timetoken` on an unpublished row that a redrive caught between
 * claim and mark (see redriveDeadLetters); never a real timetoken.
 */
const replayPending = 0;

/**
 * Records publishes. A row a redrive flagged with `replayPending` meanwhile
 * was published before the redriven event: its mark is refused (the flag is
 * cleared), so it is claimed and published once more, after that event.
 */
export async function markPublished(pool: Pool, marks: readonly PublishedMark[]): Promise<void> {
  await pool.query(
    `UPDATE realtime_outbox o
     SET published_at = CASE WHEN o.publish_timetoken = ${replayPending} THEN NULL ELSE clock_timestamp() END,
         publish_timetoken = CASE WHEN o.publish_timetoken = ${replayPending} THEN NULL ELSE m.tt END,
         attempts = o.attempts + m.attempts, dead_lettered_at = NULL
     FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS m(id, tt, attempts)
     WHERE o.id = m.id AND o.published_at IS NULL`,
    [marks.map((m) => m.id), marks.map((m) => m.timetoken), marks.map((m) => m.attempts)],
  );
}

/** PubNub refused the event for good: park it out of the relay's way, with the reason. */
export async function deadLetter(pool: Pool, id: string, error: string, attempts: number): Promise<void> {
  await pool.query(
    `UPDATE realtime_outbox SET dead_lettered_at = clock_timestamp(), last_error = $2, attempts = attempts + $3
     WHERE id = $1 AND published_at IS NULL`,
    [id, error.slice(0, 1000), attempts],
  );
}

/** Durable trace of failed attempts (after a round of retries), so operators see them. */
export async function recordFailures(pool: Pool, id: string, error: string, attempts: number): Promise<void> {
  await pool.query('UPDATE realtime_outbox SET last_error = $2, attempts = attempts + $3 WHERE id = $1', [
    id,
    error.slice(0, 1000),
    attempts,
  ]);
}

export interface OutboxStats {
  backlog: number;
  oldest_age_seconds: number;
  dead_letters: number;
}

export async function outboxStats(
  pool: Pool,
  shards: readonly number[] | null,
  shardCount: number,
): Promise<OutboxStats> {
  const { rows } = await pool.query<OutboxStats>(
    `SELECT
       (SELECT count(*)::int FROM realtime_outbox
        WHERE published_at IS NULL AND dead_lettered_at IS NULL
          AND ($1::int[] IS NULL OR realtime_outbox_shard(game_id, channel, $2) = ANY($1::int[]))) AS backlog,
       coalesce((SELECT extract(epoch FROM clock_timestamp() - created_at)::float8 FROM realtime_outbox
                 WHERE published_at IS NULL AND dead_lettered_at IS NULL
                   AND ($1::int[] IS NULL OR realtime_outbox_shard(game_id, channel, $2) = ANY($1::int[]))
                 ORDER BY id LIMIT 1), 0) AS oldest_age_seconds,
       (SELECT count(*)::int FROM realtime_outbox WHERE dead_lettered_at IS NOT NULL) AS dead_letters`,
    [shards, shardCount],
  );
  return rows[0] ?? { backlog: 0, oldest_age_seconds: 0, dead_letters: 0 };
}

/** Deletes up to `limit` rows published more than `retentionMs` ago, oldest first. */
export async function pruneOutbox(pool: Pool, retentionMs: number, limit: number): Promise<number> {
  const result = await pool.query(
    `DELETE FROM realtime_outbox o USING (
       SELECT id FROM realtime_outbox
       WHERE published_at < clock_timestamp() - $1 * interval '1 millisecond'
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) d
     WHERE o.id = d.id`,
    [retentionMs, limit],
  );
  return result.rowCount ?? 0;
}

/**
 * Deletes up to `limit` game_transitions rows committed more than `retentionMs`
 * ago. The table has no key: rows are found through the BRIN on committed_at
 * and deleted by ctid, in no particular order (all of them expire anyway).
 * No FOR UPDATE: nobody updates these rows, and it would need the UPDATE
 * right the broadcaster has not; two replicas pruning at once delete each
 * row once (the second finds it gone).
 */
export async function pruneTransitions(pool: Pool, retentionMs: number, limit: number): Promise<number> {
  const result = await pool.query(
    `DELETE FROM game_transitions WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM game_transitions
       WHERE committed_at < clock_timestamp() - $1 * interval '1 millisecond'
       LIMIT $2))`,
    [retentionMs, limit],
  );
  return result.rowCount ?? 0;
}

export interface DeliveryRow {
  event_id: string;
  publish_timetoken: string | null;
  dead_lettered: boolean;
  last_error: string | null;
}

/** Delivery state of events that are published or dead-lettered, by outbox id. */
export async function deliveryStates(pool: Pool, ids: readonly string[]): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT event_id::text, publish_timetoken::text, dead_lettered_at IS NOT NULL AS dead_lettered, last_error
     FROM realtime_outbox WHERE id = ANY($1::bigint[]) AND (published_at IS NOT NULL OR dead_lettered_at IS NOT NULL)`,
    [ids],
  );
  return rows;
}

export interface DeadLetterRow {
  id: string;
  event_id: string;
  game_id: string | null;
  sequence: string | null;
  type: string;
  channel: string;
  attempts: number;
  last_error: string | null;
  dead_lettered_at: Date;
}

export async function listDeadLetters(pool: Pool, limit: number): Promise<DeadLetterRow[]> {
  const { rows } = await pool.query<DeadLetterRow>(
    `SELECT o.id::text AS id, o.event_id::text AS event_id, o.game_id::text AS game_id, o.sequence::text AS sequence,
            o.type, o.channel, o.attempts, o.last_error, o.dead_lettered_at
     FROM realtime_outbox o WHERE o.dead_lettered_at IS NOT NULL ORDER BY o.id LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface RedriveResult {
  /** Event ids of the dead letters handed back. */
  eventIds: string[];
  /** Later events of the same channels to be published (again) after them. */
  replayed: number;
}

/**
 * Returns dead letters to the relay (all of them, or those with the given
 * event ids) and, so that their channel's order holds for subscribers, marks
 * every later event of the same channel that was already published as
 * unpublished again: the relay then publishes the dead letter and that tail
 * once more, in id (sequence) order. Later events not yet marked may be in a
 * relay's hands, published or about to be, before the dead letter: they are
 * flagged `replayPending` so that their mark is refused and they go again
 * after it (a queued one is then published twice, in order). Subscribers see
 * the tail's events twice, with the same eventIds (docs/architecture.md,
 * "Dead letters and redrive").
 */
export async function redriveDeadLetters(
  pool: Pool,
  eventIds: readonly string[] | null,
): Promise<RedriveResult> {
  const { rows } = await pool.query<{ event_id: string | null; replayed: number }>(
    `WITH target AS (
       SELECT id, channel FROM realtime_outbox
       WHERE dead_lettered_at IS NOT NULL AND ($1::uuid[] IS NULL OR event_id = ANY($1::uuid[]))
       FOR UPDATE),
     oldest AS (SELECT channel, min(id) AS id FROM target GROUP BY channel),
     redriven AS (
       UPDATE realtime_outbox o SET dead_lettered_at = NULL
       FROM target t WHERE o.id = t.id
       RETURNING o.event_id),
     replayed AS (
       UPDATE realtime_outbox o SET published_at = NULL, publish_timetoken = NULL
       FROM oldest f
       WHERE o.channel = f.channel AND o.id > f.id AND o.published_at IS NOT NULL
       RETURNING o.id),
     caught AS (
       UPDATE realtime_outbox o SET publish_timetoken = ${replayPending}
       FROM oldest f
       WHERE o.channel = f.channel AND o.id > f.id AND o.published_at IS NULL AND o.dead_lettered_at IS NULL
       RETURNING o.id),
     wake AS (SELECT pg_notify('realtime_outbox', ''))
     SELECT r.event_id::text, (SELECT count(*)::int FROM replayed) + (SELECT count(*)::int FROM caught) AS replayed
     FROM (SELECT 1) one
     LEFT JOIN redriven r ON true, wake`,
    [eventIds],
  );
  return {
    eventIds: rows.flatMap((r) => (r.event_id === null ? [] : [r.event_id])),
    replayed: rows[0]?.replayed ?? 0,
  };
}

/** A game event of the outbox, as GET /v1/games/:id/events reads it. */
export interface GameEventRow {
  event_id: string;
  game_id: string;
  sequence: string;
  type: string;
  channel: string;
  payload: unknown;
  request_id: string;
  source: EventSource;
  occurred_at: Date;
}

/**
 * The game's events after `after`, in sequence order, at most `limit`; published
 * or not (a game's sequences commit in order under its row lock, so no hole can
 * fill in later). Needs an index on realtime_outbox (game_id, sequence) to stay
 * an index range scan with millions of rows.
 */
export async function gameEventsAfter(
  pool: Pool,
  gameId: string,
  after: number,
  limit: number,
): Promise<GameEventRow[]> {
  const { rows } = await pool.query<GameEventRow>({
    name: 'broadcaster_game_events_after',
    text: `SELECT event_id::text, game_id::text, sequence::text, type, channel, payload, request_id, source, occurred_at
     FROM realtime_outbox
     WHERE game_id = $1 AND sequence > $2
     ORDER BY sequence
     LIMIT $3`,
    values: [gameId, after, limit],
  });
  return rows;
}

/** This relay claims by itself again: writers may stop NOTIFYing (relayWakefulness.ts). */
export async function relayAwake(pool: Pool, relayId: string): Promise<void> {
  await pool.query('SELECT realtime_relay_awake($1)', [relayId]);
}

/**
 * This relay found nothing and sleeps: writers NOTIFY from now on. Rejects
 * with lock_timeout (55P03) when a writer's transaction held the barrier
 * longer than `barrierWaitMs`.
 */
export async function relayAsleep(
  pool: Pool,
  relayId: string,
  barrierWaitMs: number,
  forgetAfterMs: number,
): Promise<void> {
  await pool.query('SELECT realtime_relay_asleep($1, $2, $3)', [relayId, barrierWaitMs, forgetAfterMs]);
}

/** This relay stops: its row goes, so it does not count as awake. */
export async function relayGone(pool: Pool, relayId: string): Promise<void> {
  await pool.query('SELECT realtime_relay_gone($1)', [relayId]);
}
