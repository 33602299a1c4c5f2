import { sendForbidden, sendHistoryError, sendJson } from '../http/respond.ts';
import { splitNames } from '../http/target.ts';
import type { StoredMessage } from '../messageStore.ts';
import { parseTimetoken } from '../timetoken.ts';
import { queryFlag, type RouteContext } from './context.ts';

// PubNub's caps: 100 messages for one channel, 25 for several or with actions.
const MAX_SINGLE = 100;
const MAX_MULTI = 25;

type Range = { start?: bigint; end?: bigint };

function parseRange(query: URLSearchParams): Range | string {
  const range: Range = {};
  for (const name of ['start', 'end'] as const) {
    const raw = query.get(name);
    if (raw === null || raw === '') continue;
    const tt = parseTimetoken(raw);
    if (tt === undefined) return name;
    range[name] = tt;
  }
  return range;
}

function item(query: URLSearchParams, stored: StoredMessage, withActions: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { message: stored.message, timetoken: stored.tt.toString() };
  if (queryFlag(query, 'include_uuid')) out.uuid = stored.uuid;
  // null = ordinary message (the SDK maps it to -1); 4 would be a file.
  if (queryFlag(query, 'include_message_type')) out.message_type = null;
  if (queryFlag(query, 'include_meta') && stored.meta !== undefined) out.meta = stored.meta;
  if (queryFlag(query, 'include_custom_message_type') && stored.customMessageType !== undefined)
    out.custom_message_type = stored.customMessageType;
  if (withActions) out.actions = {};
  return out;
}

function reject(ctx: RouteContext, message: string): void {
  ctx.core.stats.totals.rejected++;
  sendHistoryError(ctx.res, 400, message);
}

/**
 * Message Persistence v3: `GET /v3/history[-with-actions]/sub-key/{sub}/channel/{chs}`
 * (fetchMessages), `DELETE /v3/history/sub-key/{sub}/channel/{ch}` and
 * `GET /v3/history/sub-key/{sub}/message-counts/{chs}`. Each channel's list
 * is oldest first; `more` appears when a single channel had more than `max`.
 */
export function handleHistory(ctx: RouteContext): void {
  const { core, query, res } = ctx;
  const [, service = '', , subscribeKey = '', kind, target] = ctx.segments;
  const channels = splitNames(target);
  const keyset = core.keyset(subscribeKey);
  if (!keyset) {
    core.stats.totals.rejected++;
    sendForbidden(res, channels);
    return;
  }
  if (
    channels.length === 0 ||
    (kind !== 'channel' && kind !== 'message-counts') ||
    ctx.segments.length !== 6
  ) {
    reject(ctx, 'Invalid Arguments: channels');
    return;
  }
  const withActions = service === 'history-with-actions';

  if (kind === 'message-counts') {
    const single = parseTimetoken(query.get('timetoken') ?? '');
    const perChannel = splitNames(query.get('channelsTimetoken')).map((raw) => parseTimetoken(raw));
    const counts: Record<string, number> = {};
    for (const [index, channel] of channels.entries()) {
      const after = perChannel.length === channels.length ? perChannel[index] : single;
      if (after === undefined) {
        reject(ctx, 'Invalid Arguments: timetoken');
        return;
      }
      counts[channel] = keyset.store.countAfter(channel, after);
    }
    sendJson(res, 200, { status: 200, error: false, error_message: '', channels: counts, more: {} });
    return;
  }

  const range = parseRange(query);
  if (typeof range === 'string') {
    reject(ctx, `Invalid Arguments: ${range}`);
    return;
  }
  if (ctx.method === 'DELETE') {
    for (const channel of channels) keyset.store.delete(channel, range);
    sendJson(res, 200, { status: 200, error: false, error_message: '' });
    return;
  }
  if (withActions && channels.length > 1) {
    reject(ctx, 'Invalid Arguments: history-with-actions takes one channel');
    return;
  }

  const cap = channels.length === 1 && !withActions ? MAX_SINGLE : MAX_MULTI;
  const requested = query.get('max');
  const max = requested === null || requested === '' ? cap : Number(requested);
  if (!Number.isInteger(max) || max < 1) {
    reject(ctx, 'Invalid Arguments: max');
    return;
  }
  const limit = Math.min(max, cap);
  const body: Record<string, unknown> = { status: 200, error: false, error_message: '', channels: {} };
  const byChannel: Record<string, unknown[]> = {};
  for (const channel of channels) {
    const { messages, more } = keyset.store.fetch(channel, { ...range, max: limit });
    if (messages.length > 0) byChannel[channel] = messages.map((m) => item(query, m, withActions));
    const oldest = messages[0];
    if (more && channels.length === 1 && oldest) {
      const start = oldest.tt.toString();
      body.more = {
        url: `/v3/${service}/sub-key/${subscribeKey}/channel/${encodeURIComponent(channel)}?start=${start}&max=${limit}`,
        start,
        max: limit,
      };
    }
  }
  body.channels = byChannel;
  sendJson(res, 200, body);
}
