// Pure: the request and the answer of GET /v1/games/:id/history.
import type { FieldIssue } from '../errors.ts';

export const historyLimitDefault = 100;
export const historyLimitMax = 1000;

export type DeliveryState = 'pending' | 'published' | 'dead_lettered';

export interface TransitionRow {
  id: string;
  from_status: string;
  to_status: string;
  round: number;
  version: string;
  deadline: Date | null;
  committed_at: Date;
  source: string;
  request_id: string;
}

export interface HistoryEventRow {
  id: string;
  event_id: string;
  sequence: string | null;
  type: string;
  channel: string;
  source: string;
  request_id: string;
  occurred_at: Date;
  created_at: Date;
  published_at: Date | null;
  publish_timetoken: string | null;
  dead_lettered_at: Date | null;
  attempts: number;
  last_error: string | null;
}

export interface HistoryQuery {
  gameId: string;
  limit: number;
  /** Only rows after these ids (the `next` cursor of the previous page); 0 from the start. */
  afterTransition: string;
  afterEvent: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const cursor = /^(0|[1-9][0-9]{0,18})$/;

/** The query of a history request, or the field issues that refuse it (400). */
export function parseHistoryQuery(
  gameId: string,
  query: Readonly<Record<string, unknown>>,
): { ok: true; query: HistoryQuery } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (!uuid.test(gameId)) issues.push({ path: 'path.id', code: 'invalid_format', message: 'must be a UUID' });
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    issues.push({ path: `query.${name}`, code: 'invalid_type', message: 'must be given once' });
    return undefined;
  };
  const rawLimit = text('limit');
  const limit = rawLimit === undefined ? historyLimitDefault : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > historyLimitMax)
    issues.push({
      path: 'query.limit',
      code: 'invalid_value',
      message: `must be an integer from 1 to ${historyLimitMax}`,
    });
  const after = (name: string): string => {
    const value = text(name) ?? '0';
    // Cursors are bigint ids: compared as text they would sort wrong, so only canonical digits pass.
    if (!cursor.test(value) || BigInt(value) > 9223372036854775807n) {
      issues.push({ path: `query.${name}`, code: 'invalid_value', message: 'must be a cursor from `next`' });
      return '0';
    }
    return value;
  };
  const afterTransition = after('afterTransition');
  const afterEvent = after('afterEvent');
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, query: { gameId: gameId.toLowerCase(), limit, afterTransition, afterEvent } };
}

export function isFirstPage(query: HistoryQuery): boolean {
  return query.afterTransition === '0' && query.afterEvent === '0';
}

/** Where an outbox row stands: the relay's three outcomes. */
export function deliveryStateOf(
  row: Pick<HistoryEventRow, 'published_at' | 'dead_lettered_at'>,
): DeliveryState {
  if (row.dead_lettered_at !== null) return 'dead_lettered';
  return row.published_at === null ? 'pending' : 'published';
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/**
 * The answer: each list oldest first, at most `limit` rows (the queries fetch
 * one more, to tell whether a next page exists). `next` holds the cursors of
 * the next page, null when both lists are complete; a list already complete
 * keeps its last cursor, so the next page returns nothing more of it.
 */
export function historyAnswer(
  query: HistoryQuery,
  gameExists: boolean,
  transitionRows: readonly TransitionRow[],
  eventRows: readonly HistoryEventRow[],
) {
  const transitions = transitionRows.slice(0, query.limit);
  const events = eventRows.slice(0, query.limit);
  const more = transitionRows.length > query.limit || eventRows.length > query.limit;
  return {
    gameId: query.gameId,
    gameExists,
    transitions: transitions.map((t) => ({
      id: t.id,
      fromStatus: t.from_status,
      toStatus: t.to_status,
      round: t.round,
      version: Number(t.version),
      deadline: iso(t.deadline),
      committedAt: t.committed_at.toISOString(),
      source: t.source,
      requestId: t.request_id,
    })),
    events: events.map((e) => ({
      id: e.id,
      eventId: e.event_id,
      sequence: e.sequence === null ? null : Number(e.sequence),
      type: e.type,
      channel: e.channel,
      source: e.source,
      requestId: e.request_id,
      occurredAt: e.occurred_at.toISOString(),
      createdAt: e.created_at.toISOString(),
      delivery: deliveryStateOf(e),
      attempts: e.attempts,
      lastError: e.last_error,
      publishedAt: iso(e.published_at),
      publishTimetoken: e.publish_timetoken,
      deadLetteredAt: iso(e.dead_lettered_at),
    })),
    next: more
      ? {
          afterTransition: transitions.at(-1)?.id ?? query.afterTransition,
          afterEvent: events.at(-1)?.id ?? query.afterEvent,
        }
      : null,
  };
}

export type GameHistory = ReturnType<typeof historyAnswer>;
