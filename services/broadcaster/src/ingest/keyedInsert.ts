import { AppError, classifyDatabaseError, type Pool, type PoolClient } from '@sketchyaf/core';
import type { Settled } from '../db/groupCommit.ts';
import {
  claimIngestKeys,
  insertEvents,
  settleIngestKeys,
  storedIngestAnswers,
  type StoredKeyRow,
} from '../db/outboxQueries.ts';
import type { IdempotencyClaim, StoredAnswer } from './idempotencyKey.ts';
import { KeyUnsettledError, outcomes, type WriteResult, type WrittenEvent } from './outboxWriter.ts';
import type { PreparedEvent } from './prepareEvent.ts';

/** One request's share of a group commit. */
export interface Submission {
  events: readonly PreparedEvent[];
  /** Its idempotency key, or null for a request without one. */
  claim: IdempotencyClaim | null;
  /** A batch's per-event keys, one entry per event (null: that event has none); absent: none at all. */
  eventClaims?: readonly (IdempotencyClaim | null)[];
}

/** Whether a submission takes the keyed transaction: a request key or any per-event key. */
export function hasKeys(submission: Submission): boolean {
  return submission.claim !== null || (submission.eventClaims ?? []).some((c) => c !== null);
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
 * the group, or one whose key was already taken. Per-event keys likewise:
 * `eventOwners` maps a request to the indexes of the events whose key it owns
 * (the others' keys are taken: their answers are looked up).
 */
export function assignKeys(
  group: readonly Submission[],
  inserted: readonly { scope: string; key: string }[],
): { owners: Set<number>; replays: Set<number>; eventOwners: Map<number, Set<number>> } {
  const free = new Set(inserted.map(idOf));
  const owners = new Set<number>();
  const replays = new Set<number>();
  const eventOwners = new Map<number, Set<number>>();
  group.forEach((submission, i) => {
    if (submission.claim !== null) {
      if (free.delete(idOf(submission.claim))) owners.add(i);
      else replays.add(i);
    }
    if (replays.has(i) || submission.eventClaims === undefined) return;
    const owned = new Set<number>();
    submission.eventClaims.forEach((c, j) => {
      if (c !== null && free.delete(idOf(c))) owned.add(j);
    });
    eventOwners.set(i, owned);
  });
  return { owners, replays, eventOwners };
}

/** What to do with a request carrying per-event keys, once its keys are claimed. */
export type EventKeyPlan =
  | {
      kind: 'write';
      /** Indexes of the events to insert: no key, or a key this request owns. */
      fresh: number[];
      /** Events answered from their key's stored answer, by index. */
      replayed: Map<number, WrittenEvent>;
    }
  | { kind: 'reused'; index: number; key: string }
  | { kind: 'unsettled'; key: string };

/**
 * Per-event keys of one request: each event writes (no key, or a key it
 * owns) or replays its key's stored answer. One key reused for another event
 * body refuses the whole request (422, nothing written); a taken key without
 * a stored answer yet (another request of this transaction holds it) sends
 * the request again later.
 */
export function planEventKeys(
  claims: readonly (IdempotencyClaim | null)[],
  owned: ReadonlySet<number>,
  stored: readonly StoredKeyRow[],
): EventKeyPlan {
  const fresh: number[] = [];
  const replayed = new Map<number, WrittenEvent>();
  for (const [j, claim] of claims.entries()) {
    if (claim === null || owned.has(j)) {
      fresh.push(j);
      continue;
    }
    const row = stored.find((r) => r.scope === claim.scope && r.key === claim.key);
    const first = row?.response?.events[0];
    if (!row || !first) return { kind: 'unsettled', key: claim.key };
    if (!row.body_hash.equals(claim.bodyHash)) return { kind: 'reused', index: j, key: claim.key };
    replayed.set(j, { ...first, replayOf: row.response?.requestId ?? '' });
  }
  return { kind: 'write', fresh, replayed };
}

/** The 422 of a batch item whose key was used for another event. */
export function eventKeyReusedError(index: number, key: string): AppError {
  return new AppError(
    'idempotency_key_reused',
    `events.${index}.idempotencyKey was used for another event; use a new key for a new event`,
    { path: `events.${index}.idempotencyKey`, index, idempotencyKey: key },
  );
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
    for (const c of [s.claim, ...(s.eventClaims ?? [])])
      if (c !== null && !claims.has(idOf(c))) claims.set(idOf(c), c);
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
    const { owners, replays, eventOwners } = assignKeys(
      group,
      await claimIngestKeys(client, [...claims.values()]),
    );
    const result = new Map<number, Settled<WrittenEvent[]>>();
    const plans = await planEventWrites(client, group, eventOwners, result);
    const running = group.flatMap((_, i) => (replays.has(i) || result.has(i) ? [] : [i]));
    const batches = running.map((i) => {
      const plan = plans.get(i);
      const events = (group[i] as Submission).events;
      return plan ? plan.fresh.map((j) => events[j] as PreparedEvent) : events;
    });
    const toInsert = batches.some((b) => b.length > 0);
    const rows = toInsert ? await insertEvents(client, batches) : [];
    outcomes(batches, rows).forEach((outcome, n) => {
      const i = running[n] as number;
      const plan = plans.get(i);
      result.set(i, plan && outcome.ok ? { ok: true, value: mergeReplayed(plan, outcome.value) } : outcome);
    });
    const answerOf = (i: number, events: WrittenEvent[]): StoredAnswer => ({
      requestId: (group[i] as Submission).events[0]?.requestId ?? '',
      events: events.map(({ outboxId, eventId, sequence }) => ({ outboxId, eventId, sequence })),
    });
    const settled = [...owners].map((i) => {
      const outcome = result.get(i);
      const answer = outcome?.ok ? answerOf(i, outcome.value) : null;
      return { ...claimKey((group[i] as Submission).claim as IdempotencyClaim), answer };
    });
    // An owned event key keeps the answer of its event when the request wrote; else it is given up.
    for (const [i, owned] of eventOwners) {
      const outcome = result.get(i);
      const claimsOfI = (group[i] as Submission).eventClaims ?? [];
      for (const j of owned) {
        const written = outcome?.ok ? outcome.value[j] : undefined;
        settled.push({
          ...claimKey(claimsOfI[j] as IdempotencyClaim),
          answer: written ? answerOf(i, [written]) : null,
        });
      }
    }
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
 * Plans the requests with per-event keys: reads the stored answers of the
 * event keys they found taken (in this transaction: committed ones, or ours
 * without an answer yet) and records in `result` the requests that write
 * nothing (a key reused: 422; a key not settled yet: sent again).
 */
async function planEventWrites(
  client: PoolClient,
  group: readonly Submission[],
  eventOwners: ReadonlyMap<number, ReadonlySet<number>>,
  result: Map<number, Settled<WrittenEvent[]>>,
): Promise<Map<number, Extract<EventKeyPlan, { kind: 'write' }>>> {
  const taken = [...eventOwners].flatMap(([i, owned]) =>
    ((group[i] as Submission).eventClaims ?? []).flatMap((c, j) =>
      c === null || owned.has(j) ? [] : [claimKey(c)],
    ),
  );
  const stored = taken.length === 0 ? [] : await storedIngestAnswers(client, taken);
  const plans = new Map<number, Extract<EventKeyPlan, { kind: 'write' }>>();
  for (const [i, owned] of eventOwners) {
    const plan = planEventKeys((group[i] as Submission).eventClaims ?? [], owned, stored);
    if (plan.kind === 'write') plans.set(i, plan);
    else if (plan.kind === 'reused')
      result.set(i, { ok: false, error: eventKeyReusedError(plan.index, plan.key) });
    else result.set(i, { ok: false, error: new KeyUnsettledError(plan.key) });
  }
  return plans;
}

/** The written events of a request in its order: replayed ones from their stored answer, the rest as just written. */
export function mergeReplayed(
  plan: Extract<EventKeyPlan, { kind: 'write' }>,
  written: readonly WrittenEvent[],
): WrittenEvent[] {
  const fresh = new Map(plan.fresh.map((j, n) => [j, written[n]] as const));
  const total = plan.fresh.length + plan.replayed.size;
  return Array.from({ length: total }, (_, j) => {
    const event = plan.replayed.get(j) ?? fresh.get(j);
    if (!event) throw new Error(`event ${j} neither replayed nor written`);
    return event;
  });
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
