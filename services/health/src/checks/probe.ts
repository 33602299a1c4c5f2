import type { ProbeOutcome } from '../status/types.ts';

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return err.message;
    const cause = (err as { cause?: unknown }).cause;
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return `${err.message} (${code})`;
    return err.message;
  }
  return String(err);
}

/**
 * Runs `probe` with an abort signal that fires after `timeoutMs`; never
 * rejects. The probe resolves with an optional detail, or throws the reason.
 */
export async function timedProbe(
  timeoutMs: number,
  probe: (signal: AbortSignal) => Promise<string | undefined>,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      err.name = 'TimeoutError';
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    const detail = await Promise.race([probe(controller.signal), timeout]);
    const ms = performance.now() - started;
    return detail === undefined ? { ok: true, ms } : { ok: true, ms, detail };
  } catch (err) {
    return { ok: false, ms: performance.now() - started, error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}
