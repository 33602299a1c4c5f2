import { AppError, classifyDatabaseError, type Pool } from '@sketchyaf/core';
import type { Settled } from '../db/groupCommit.ts';
import { claimIngestKeys, insertEvents, settleIngestKeys, type StoredKeyRow } from '../db/outboxQueries.ts';
import type { IdempotencyClaim, StoredAnswer } from './idempotencyKey.ts';
import { outcomes, type WriteResult, type WrittenEvent } from './outboxWriter.ts';
import type { PreparedEvent } from './prepareEvent.ts';

/** One request's share of a group commit. */
export interface Submission {
  events: readonly PreparedEvent[];
  /** Its idempotency key, or null for a request without one. */
  claim: IdempotencyClaim | null;
}

export interface KeyedInsert {
  /** Outcomes of the requests that ran the insert: those without a key and those whose key this group took. */
  outcomes: Map<number, Settled<WrittenEvent[]>>;
  /** Requests whose key was taken (by another transaction or an earlier request of this group). */
  replays: Set<number>;
}

export function claimKey(claim: IdempotencyClaim): { scope: string; key: string } {
  return { scope: claim.scope, key: claim.key };
}

/** Far above the pause between two statements of a healthy transaction (sub-millisecond on loopback). */
export const idleInTransactionTimeoutMs = 5000;

const idOf = (c: { scope: string; key: string }): string => `${c.scope}\n${c.key}`;

/**
 * Which requests of a group own the keys it inserted (the first request with
 * each inserted key) and which replay: a later request with the same key in
 * the group, or one whose key was already taken.
 */
export function assignKeys(
  group: readonly Submission[],
  inserted: readonly { scope: string; key: string }[],
): { owners: Set<number>; replays: Set<number> } {
  const free = new Set(inserted.map(idOf));
  const owners = new Set<number>();
  const replays = new Set<number>();
  group.forEach((submission, i) => {
    if (submission.claim === null) return;
    const id = idOf(submission.claim);
    if (free.delete(id)) owners.add(i);
    else replays.add(i);
  });
  return { owners, replays };
}

/**
 * A group with idempotency keys, in one transaction: claim the keys, insert
 * the events of the requests that own theirs (or carry none) with the usual
 * group-commit statement, store each owner's answer, or give its key up when
 * it wrote nothing (unknown or busy game), so that its retry writes. A
 * request whose key was taken bumps no sequence and writes no row.
 */
export async function insertKeyed(pool: Pool, group: readonly Submission[]): Promise<KeyedInsert> {
  const claims = new Map<string, IdempotencyClaim>();
  for (const s of group)
    if (s.claim !== null && !claims.has(idOf(s.claim))) claims.set(idOf(s.claim), s.claim);
  const client = await pool.connect();
  // A checked-out client has no pool listener: a socket error between statements would be emitted with
  // nobody listening and crash the process. The statement under way rejects with the same error.
  const onSocketError = (): void => undefined;
  client.on('error', onSocketError);
  let failure: unknown;
  try {
    // Unlike the single statement, an open transaction outlives a connection that goes silent: the server
    // would keep its key claims and game row locks until the socket died. Idle that long, it is ended.
    await client.query(
      `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${idleInTransactionTimeoutMs}`,
    );
    const { owners, replays } = assignKeys(group, await claimIngestKeys(client, [...claims.values()]));
    const running = group.flatMap((_, i) => (replays.has(i) ? [] : [i]));
    const batches = running.map((i) => (group[i] as Submission).events);
    const rows = running.length === 0 ? [] : await insertEvents(client, batches);
    const result = new Map<number, Settled<WrittenEvent[]>>();
    outcomes(batches, rows).forEach((outcome, n) => result.set(running[n] as number, outcome));
    const settled = [...owners].map((i) => {
      const submission = group[i] as Submission;
      const outcome = result.get(i);
      const answer: StoredAnswer | null = outcome?.ok
        ? { requestId: submission.events[0]?.requestId ?? '', events: outcome.value }
        : null;
      return { ...claimKey(submission.claim as IdempotencyClaim), answer };
    });
    if (settled.length > 0) await settleIngestKeys(client, settled);
    await client.query('COMMIT');
    return { outcomes: result, replays };
  } catch (err) {
    failure = err;
    // On a broken connection a ROLLBACK would only wait for its own timeout; the connection is dropped instead.
    const kind = classifyDatabaseError(err).kind;
    if (kind !== 'connection' && kind !== 'timeout') await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A client released with an error is ended by the pool and may still emit: keep listening then.
    if (failure === undefined) client.off('error', onSocketError);
    client.release(failure instanceof Error ? failure : failure === undefined ? undefined : true);
  }
}

/**
 * The answer to a request whose key was taken: the stored answer for the
 * same body, 422 for another body, or an error-less failure when no answer
 * is stored (the caller sends the request again).
 */
export function keyedAnswer(
  submission: Submission,
  stored: readonly StoredKeyRow[],
): { ok: true; value: WriteResult } | { ok: false; error: unknown } {
  const claim = submission.claim;
  const row = claim === null ? undefined : stored.find((r) => r.scope === claim.scope && r.key === claim.key);
  if (!claim || !row || row.response === null) return { ok: false, error: undefined };
  if (!row.body_hash.equals(claim.bodyHash)) {
    return {
      ok: false,
      error: new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was used for a request with another body; use a new key for a new request',
        { idempotencyKey: claim.key },
      ),
    };
  }
  return { ok: true, value: { written: row.response.events, replayOf: row.response.requestId } };
}
