import { errorMessage } from '@sketchyaf/core';

/** Why a canary did not enter the pipeline; the label of `canary_post_failures_total`. */
export type PostFailureReason = 'rejected' | 'server_error' | 'unreachable';

export class CanaryPostError extends Error {
  readonly reason: PostFailureReason;

  constructor(reason: PostFailureReason, message: string) {
    super(message);
    this.name = 'CanaryPostError';
    this.reason = reason;
  }
}

export interface CanaryPost {
  baseUrl: string;
  apiToken: string;
  userId: string;
  probeId: string;
  sentAt: string;
  timeoutMs: number;
}

/** `POST /v1/events` with a `canary` event; resolves with its eventId, rejects with a CanaryPostError. */
export async function postCanary(post: CanaryPost): Promise<string> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${post.baseUrl}/v1/events`, {
      method: 'POST',
      signal: AbortSignal.timeout(post.timeoutMs),
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${post.apiToken}`,
        // Lets an operator follow one canary through the broadcaster's logs.
        'x-request-id': `canary-${post.probeId}`,
      },
      body: JSON.stringify({
        type: 'canary',
        userId: post.userId,
        data: { probeId: post.probeId, sentAt: post.sentAt },
      }),
    });
    text = await res.text();
  } catch (err) {
    throw new CanaryPostError('unreachable', `POST ${post.baseUrl}/v1/events failed: ${errorMessage(err)}`);
  }
  if (res.status !== 202 && res.status !== 200) {
    const reason: PostFailureReason = res.status >= 500 ? 'server_error' : 'rejected';
    throw new CanaryPostError(reason, `POST /v1/events answered ${res.status}: ${text.slice(0, 300)}`);
  }
  let eventId: unknown;
  try {
    eventId = (JSON.parse(text) as { eventId?: unknown }).eventId;
  } catch {
    // handled below
  }
  if (typeof eventId !== 'string')
    throw new CanaryPostError('server_error', `POST /v1/events answered ${res.status} without an eventId`);
  return eventId;
}
