/**
 * Splits a request target into decoded path segments and query, by hand:
 * WHATWG URL parsing would normalise the path (dot segments, escapes), and a
 * publish path carries the message itself as a percent-encoded segment.
 */
export interface RequestTarget {
  /** Path segments, percent-decoded, without the leading empty one. */
  segments: string[];
  query: URLSearchParams;
}

/** Undefined when a segment's percent-encoding is malformed. */
export function parseTarget(url: string): RequestTarget | undefined {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  const raw = path.split('/').slice(1);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  try {
    return { segments: raw.map((segment) => decodeURIComponent(segment)), query };
  } catch {
    return undefined;
  }
}

/** A comma-separated list from a path segment or query value; `,` alone (the SDK's "no channels") is empty. */
export function splitNames(value: string | null | undefined): string[] {
  if (!value) return [];
  return value.split(',').filter((name) => name.length > 0);
}
