import type { Dispatcher } from 'undici';

export interface Exchange {
  statusCode: number;
  /** Retry-After, when the answer carries one. */
  retryAfter: string | undefined;
  /** The answer's body as text, at most `maxBodyBytes` of it. */
  text: string;
}

// PubNub's publish answers are tens of bytes; a larger body is an error page, read no further.
const maxBodyBytes = 64 * 1024;

/**
 * One request on an undici dispatcher, read to the end into a string.
 * Through `dispatch` with a plain handler rather than `request`: no response
 * stream and no body mixin per publish, which is most of what `request`
 * costs beyond the socket work at thousands of publishes a second.
 */
export function exchange(
  dispatcher: Dispatcher,
  request: { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body: Buffer | null },
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    dispatcher.dispatch(request, {
      // Required by undici; nothing to do before the answer.
      onRequestStart() {},
      onResponseStart(_controller, status, headers) {
        statusCode = status;
        const value = headers['retry-after'];
        retryAfter = Array.isArray(value) ? value[0] : value;
      },
      onResponseData(_controller, chunk) {
        if (size >= maxBodyBytes) return;
        size += chunk.length;
        chunks.push(chunk);
      },
      onResponseEnd() {
        const text =
          chunks.length === 1
            ? (chunks[0] as Buffer).toString('utf8')
            : Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode, retryAfter, text });
      },
      onResponseError(_controller, error) {
        reject(error);
      },
    });
  });
}
