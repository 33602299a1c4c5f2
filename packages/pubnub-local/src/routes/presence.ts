import type { Keyset } from '../core.ts';
import { sendForbidden, sendJson, sendServiceError } from '../http/respond.ts';
import { splitNames } from '../http/target.ts';
import type { Occupant } from '../presence.ts';
import { isPlainObject, queryFlag, queryJson, type RouteContext } from './context.ts';
import { presenceStatesOf, presenceTimeoutOf } from './presenceParams.ts';

const SERVICE = 'Presence';
const DEFAULT_HERE_NOW_LIMIT = 1000;

function ok(ctx: RouteContext, fields: Record<string, unknown> = {}): void {
  sendJson(ctx.res, 200, { status: 200, message: 'OK', ...fields, service: SERVICE });
}

function badRequest(ctx: RouteContext, message: string): void {
  ctx.core.stats.totals.rejected++;
  sendServiceError(ctx.res, 400, message, SERVICE);
}

/** Channels named in the path plus the channels of every `channel-group`. */
function targetChannels(
  keyset: Keyset,
  pathChannels: readonly string[],
  groups: readonly string[],
): string[] {
  const names = new Set(pathChannels);
  for (const group of groups) for (const channel of keyset.groups.get(group) ?? []) names.add(channel);
  return [...names];
}

function occupantList(ctx: RouteContext, occupants: Occupant[]): unknown[] {
  const limit = Number(ctx.query.get('limit') ?? DEFAULT_HERE_NOW_LIMIT);
  const offset = Number(ctx.query.get('offset') ?? 0);
  const page = occupants.slice(
    offset > 0 ? offset : 0,
    (offset > 0 ? offset : 0) + (limit > 0 ? limit : DEFAULT_HERE_NOW_LIMIT),
  );
  return queryFlag(ctx.query, 'state') ? page : page.map((o) => o.uuid);
}

function hereNow(
  ctx: RouteContext,
  keyset: Keyset,
  channels: readonly string[] | undefined,
  single: boolean,
): void {
  const withUuids = !queryFlag(ctx.query, 'disable_uuids');
  const names = channels ?? keyset.presence.occupiedChannels();
  if (single && names.length === 1 && names[0] !== undefined) {
    const occupants = keyset.presence.occupants(names[0]);
    ok(ctx, { occupancy: occupants.length, ...(withUuids ? { uuids: occupantList(ctx, occupants) } : {}) });
    return;
  }
  const byChannel: Record<string, unknown> = {};
  let total = 0;
  for (const channel of names) {
    const occupants = keyset.presence.occupants(channel);
    total += occupants.length;
    byChannel[channel] = {
      occupancy: occupants.length,
      ...(withUuids ? { uuids: occupantList(ctx, occupants) } : {}),
    };
  }
  ok(ctx, { payload: { channels: byChannel, total_channels: names.length, total_occupancy: total } });
}

/**
 * `/v2/presence/sub-key/{sub}[/channel/{chs}[/heartbeat|/leave|/uuid/{uuid}[/data]]|/uuid/{uuid}]`:
 * here_now (one channel, several, or global), heartbeat, leave, where_now
 * and get/set state. Response shapes are the ones the SDK parses.
 */
export function handlePresence(ctx: RouteContext): void {
  const [, , , subscribeKey = '', kind, target, action, uuidInPath, data] = ctx.segments;
  const keyset = ctx.core.keyset(subscribeKey);
  const pathChannels = kind === 'channel' ? splitNames(target) : [];
  const groups = splitNames(ctx.query.get('channel-group'));
  if (!keyset) {
    ctx.core.stats.totals.rejected++;
    sendForbidden(ctx.res, pathChannels, groups);
    return;
  }
  const uuid = ctx.query.get('uuid') ?? '';

  if (kind === undefined) {
    hereNow(ctx, keyset, undefined, false);
    return;
  }
  if (kind === 'uuid' && target !== undefined && action === undefined) {
    ok(ctx, { payload: { channels: keyset.presence.whereNow(target) } });
    return;
  }
  if (kind !== 'channel' || target === undefined) {
    badRequest(ctx, 'Invalid presence path');
    return;
  }
  const channels = targetChannels(keyset, pathChannels, groups);
  if ((action === 'heartbeat' || action === 'leave') && uuid === '') {
    badRequest(ctx, 'Missing uuid');
    return;
  }

  if (action === undefined) {
    hereNow(ctx, keyset, channels, groups.length === 0);
  } else if (action === 'heartbeat') {
    const timeoutSec = presenceTimeoutOf(ctx.query);
    const states = presenceStatesOf(ctx.query);
    if (timeoutSec === undefined || states === 'invalid') {
      badRequest(ctx, 'Invalid heartbeat or state');
      return;
    }
    keyset.presence.heartbeat(uuid, channels, timeoutSec, states);
    ok(ctx);
  } else if (action === 'leave') {
    keyset.presence.leave(uuid, channels);
    ok(ctx, { action: 'leave' });
  } else if (action === 'uuid' && uuidInPath !== undefined && data === 'data') {
    const state = queryJson(ctx.query, 'state');
    if (state === 'invalid' || !isPlainObject(state.value)) {
      badRequest(ctx, 'Invalid state: a JSON object is required');
      return;
    }
    keyset.presence.setState(uuidInPath, channels, state.value);
    ok(ctx, { payload: state.value });
  } else if (action === 'uuid' && uuidInPath !== undefined && data === undefined) {
    const single = channels.length === 1 && groups.length === 0 && channels[0] !== undefined;
    const payload = single
      ? (keyset.presence.getState(uuidInPath, channels[0] ?? '') ?? {})
      : Object.fromEntries(channels.map((c) => [c, keyset.presence.getState(uuidInPath, c) ?? {}]));
    ok(ctx, { uuid: uuidInPath, payload });
  } else {
    badRequest(ctx, 'Invalid presence path');
  }
}
