import { isWildcard } from '../channelMatch.ts';
import type { PublishKind } from '../core.ts';
import { BadBodyEncodingError, BodyTooLargeError, readBody } from '../http/body.ts';
import { sendForbidden, sendJson, sendPublishError } from '../http/respond.ts';
import { isPlainObject, queryFlag, queryJson, type RouteContext } from './context.ts';

// 3–50 characters, letters, digits, `-` and `_`, not starting with `-` or `_`.
const CUSTOM_MESSAGE_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,49}$/;
// Compressed POST bodies are read up to this much before decoding.
const RAW_BODY_LIMIT = 1024 * 1024;

/**
 * `GET|POST /publish/{pub}/{sub}/0/{channel}/0[/{message}]` and
 * `GET /signal/{pub}/{sub}/0/{channel}/0/{message}`. The two `0` segments
 * are the JSONP callback slots. A publish with `store=0&norep=true` is what
 * the SDK sends for `fire()`: accepted, but neither delivered nor stored.
 */
export async function handlePublish(ctx: RouteContext, operation: 'publish' | 'signal'): Promise<void> {
  const { core, res, query } = ctx;
  const [, publishKey = '', subscribeKey = '', , channel = '', , ...messageParts] = ctx.segments;
  const keyset = core.keyset(subscribeKey);
  const reject = (status: number, description: string): void => {
    core.stats.totals.rejected++;
    sendPublishError(res, status, description, core.clock.next());
  };

  if (!core.isPublishKey(publishKey) || !keyset) {
    core.stats.totals.rejected++;
    sendForbidden(res, [channel]);
    return;
  }
  if (channel === '' || isWildcard(channel) || channel.includes(',')) {
    reject(400, 'Invalid Channel');
    return;
  }

  let text: string;
  if (ctx.method === 'POST') {
    try {
      text = (await readBody(ctx.req, RAW_BODY_LIMIT, ctx.onRawBody)).toString('utf8');
    } catch (error) {
      if (error instanceof BodyTooLargeError) reject(413, 'Message Too Large');
      else if (error instanceof BadBodyEncodingError) reject(400, 'Invalid Message Encoding');
      else throw error;
      return;
    }
  } else {
    text = messageParts.join('/');
  }

  const limit = operation === 'signal' ? ctx.limits.signalLimitBytes : ctx.limits.messageLimitBytes;
  if (Buffer.byteLength(text) > limit) {
    reject(
      operation === 'signal' ? 400 : 413,
      operation === 'signal' ? 'Signal size too large' : 'Message Too Large',
    );
    return;
  }
  let message: unknown;
  try {
    message = JSON.parse(text) as unknown;
  } catch {
    reject(400, text === '' ? 'Missing Message' : 'Invalid JSON');
    return;
  }

  const meta = queryJson(query, 'meta');
  if (meta === 'invalid' || (meta.value !== undefined && !isPlainObject(meta.value))) {
    reject(400, 'Invalid Meta');
    return;
  }
  const customMessageType = query.get('custom_message_type') ?? undefined;
  if (customMessageType !== undefined && !CUSTOM_MESSAGE_TYPE.test(customMessageType)) {
    reject(400, 'Invalid Custom Message Type');
    return;
  }
  const ttlHours = Number(query.get('ttl') ?? '0');
  if (!Number.isFinite(ttlHours) || ttlHours < 0) {
    reject(400, 'Invalid TTL');
    return;
  }

  const store = query.get('store') !== '0';
  let kind: PublishKind = operation;
  if (operation === 'publish' && !store && queryFlag(query, 'norep')) kind = 'fire';

  const tt = core.publish(keyset, {
    kind,
    channel,
    message,
    publisher: query.get('uuid') ?? '',
    store,
    ttlHours,
    ...(meta.value !== undefined ? { meta: meta.value } : {}),
    ...(customMessageType !== undefined ? { customMessageType } : {}),
  });
  sendJson(res, 200, [1, 'Sent', tt.toString()]);
}
