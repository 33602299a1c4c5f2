import type { HistoryOptions } from './args.ts';

/** One page of GET /v1/games/:id/history, as the broadcaster's OpenAPI document (GameHistory) describes it. */
export interface HistoryPage {
  gameId: string;
  gameExists: boolean;
  transitions: {
    id: string;
    fromStatus: string;
    toStatus: string;
    round: number;
    version: number;
    deadline: string | null;
    committedAt: string;
    source: string;
    requestId: string;
  }[];
  events: {
    id: string;
    eventId: string;
    sequence: number | null;
    type: string;
    channel: string;
    source: string;
    requestId: string;
    occurredAt: string;
    createdAt: string;
    delivery: 'pending' | 'published' | 'dead_lettered';
    attempts: number;
    lastError: string | null;
    publishedAt: string | null;
    publishTimetoken: string | null;
    deadLetteredAt: string | null;
  }[];
  next: { afterTransition: string; afterEvent: string } | null;
}

export type HistoryResult =
  | { kind: 'page'; page: HistoryPage }
  | { kind: 'not_found'; message: string }
  | { kind: 'failed'; message: string };

/** Fetches one page; never throws: an unreachable broadcaster or a refusal is a `failed` result. */
export async function fetchHistory(
  gameId: string,
  options: HistoryOptions & { token: string },
  timeoutMs = 10_000,
): Promise<HistoryResult> {
  const query = new URLSearchParams({
    limit: String(options.limit),
    afterTransition: options.afterTransition,
    afterEvent: options.afterEvent,
  });
  const url = `${options.url}/v1/games/${gameId}/history?${query.toString()}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return {
      kind: 'failed',
      message: `broadcaster at ${redacted(options.url)} unreachable (${err instanceof Error ? err.message : String(err)}${cause})`,
    };
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { kind: 'failed', message: `HTTP ${res.status} from ${redacted(options.url)}: not JSON` };
  }
  if (res.ok) return { kind: 'page', page: body as HistoryPage };
  const error = (body as { error?: { code?: string; message?: string } }).error;
  const message = `HTTP ${res.status} ${error?.code ?? ''}: ${error?.message ?? text}`.replace('  ', ' ');
  const retry = res.headers.get('retry-after');
  if (res.status === 404 && error?.code === 'not_found') return { kind: 'not_found', message };
  return { kind: 'failed', message: retry === null ? message : `${message} (retry after ${retry} s)` };
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
