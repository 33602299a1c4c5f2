import { asGameEvent, type GameEvent } from './envelope.ts';

/** One page of `GET /v1/games/:id/events`, or why there is none. */
export type PageResult =
  | { ok: true; events: GameEvent[]; hasMore: boolean }
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

export interface CatchUpRequest {
  baseUrl: string;
  gameId: string;
  token: string | undefined;
  after: number;
  limit: number;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
}

/** A status worth asking again for: the server is busy, limiting, or briefly away. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Asks the broadcaster's catch-up API for the events after `after`; never throws. */
export async function fetchPage(request: CatchUpRequest): Promise<PageResult> {
  const base = request.baseUrl.replace(/\/+$/, '');
  const url = `${base}/v1/games/${encodeURIComponent(request.gameId)}/events?after=${request.after}&limit=${request.limit}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
  let res: Response;
  try {
    res = await request.fetch(url, { headers, signal: AbortSignal.timeout(request.timeoutMs) });
  } catch (error) {
    return { ok: false, error: `catch-up request failed: ${String(error)}`, retryable: true };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.status !== 200) {
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    const failure: PageResult = {
      ok: false,
      error: `catch-up answered ${res.status}${typeof code === 'string' ? ` ${code}` : ''}`,
      retryable: retryableStatus(res.status),
    };
    const after = retryAfterMs(res.headers.get('retry-after'));
    return after === undefined ? failure : { ...failure, retryAfterMs: after };
  }
  const page = body as { events?: unknown; hasMore?: unknown } | undefined;
  if (!Array.isArray(page?.events) || typeof page.hasMore !== 'boolean')
    return { ok: false, error: 'catch-up answered 200 without events and hasMore', retryable: true };
  const events: GameEvent[] = [];
  for (const raw of page.events as unknown[]) {
    const event = asGameEvent(raw, request.gameId);
    if (event === null)
      return { ok: false, error: 'catch-up answered an event of another game', retryable: false };
    events.push(event);
  }
  return { ok: true, events, hasMore: page.hasMore };
}
