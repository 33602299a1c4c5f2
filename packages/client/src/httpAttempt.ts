import type { ClientClock } from './clock.ts';

export type AttemptOutcome =
  | { type: 'answer'; status: number; headers: Headers; body: unknown }
  | { type: 'network'; error: unknown }
  | { type: 'timeout' };

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * One POST, answer read in full within `timeoutMs` (on `clock`). Failures
 * without an answer come back as outcomes for the retry policy to judge; only
 * the caller's own abort is thrown (its signal's reason), since nothing
 * should retry what the caller cancelled.
 */
export async function attemptPost(
  fetchFn: typeof fetch,
  clock: ClientClock,
  request: AttemptRequest,
): Promise<AttemptOutcome> {
  const timeout = new AbortController();
  const timer = clock.setTimeout(() => {
    timeout.abort(new Error('attempt timed out'));
  }, request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await fetchFn(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
    });
    const text = await response.text();
    return { type: 'answer', status: response.status, headers: response.headers, body: parseJson(text) };
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason as Error;
    if (timeout.signal.aborted) return { type: 'timeout' };
    return { type: 'network', error: err };
  } finally {
    clock.clearTimeout(timer);
  }
}

/** The body as JSON, or its text when it is not JSON (a proxy's error page). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
