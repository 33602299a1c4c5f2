/**
 * A Kubernetes API failure in one line: the HTTP code and the API's message
 * (e.g. 403 from RBAC, 404 when the CRD is not installed) when present.
 */
export function describeKubernetesError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : null;
  const text = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  if (code === null) return text;
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
