/**
 * fetch says only "fetch failed"; the socket's code is on its cause (or the
 * cause's cause): `fetch failed (ECONNREFUSED)` tells a refused API apart.
 */
function withSocketCause(text: string, err: unknown): string {
  let cause: unknown = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return `${text} (${code})`;
    cause = cause.cause;
  }
  return text;
}

/**
 * A Kubernetes API failure in one line: the HTTP code and the API's message
 * (e.g. 403 from RBAC, 404 when the CRD is not installed) when present.
 */
export function describeKubernetesError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : null;
  const text = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  if (code === null) return withSocketCause(text, err);
  let body = e.body;
  const raw = e.body;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      return `HTTP ${code}: ${raw.slice(0, 200)}`;
    }
  }
  const message = (body as { message?: unknown } | null | undefined)?.message;
  return `HTTP ${code}: ${typeof message === 'string' ? message : text}`;
}
