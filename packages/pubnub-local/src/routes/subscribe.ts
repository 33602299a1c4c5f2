import { createChannelMatcher, isPresenceChannel, isWildcard } from '../channelMatch.ts';
import type { Keyset } from '../core.ts';
import { REGION, type Envelope } from '../envelope.ts';
import { sendForbidden, sendJson, sendServiceError } from '../http/respond.ts';
import { splitNames } from '../http/target.ts';
import { applyDeliveryFaults, isCut } from '../subscriberFaults.ts';
import { parseTimetoken } from '../timetoken.ts';
import { presenceTimeoutOf, presenceStatesOf } from './presenceParams.ts';
import type { RouteContext } from './context.ts';

// PubNub returns at most 100 events per poll; the cursor lets the client fetch the rest.
const MAX_EVENTS_PER_RESPONSE = 100;

function sendEvents(ctx: RouteContext, cursor: bigint, events: Envelope[]): void {
  // `r` must be non-zero: the SDK's event engine treats region 0 as invalid and stops.
  sendJson(ctx.res, 200, { t: { t: cursor.toString(), r: REGION }, m: events });
}

/** Channels a subscribe marks present: real ones, not `-pnpres` twins or wildcard patterns. */
function presenceChannels(keyset: Keyset, channels: readonly string[], groups: readonly string[]): string[] {
  const names = new Set(channels.filter((c) => !isPresenceChannel(c) && !isWildcard(c)));
  for (const group of groups) {
    if (isPresenceChannel(group)) continue;
    for (const channel of keyset.groups.get(group) ?? []) names.add(channel);
  }
  return [...names];
}

/**
 * `GET /v2/subscribe/{sub}/{channels|,}/0?tt=&channel-group=`. Without `tt`
 * (or `tt=0`) it answers at once with a fresh cursor; with `tt` it returns
 * every event after it, waiting up to the long-poll timeout for one. A
 * subscribe also counts as a presence heartbeat, as on PubNub.
 */
export function handleSubscribe(ctx: RouteContext): void {
  const { core, res, query } = ctx;
  const subscribeKey = ctx.segments[2] ?? '';
  const channels = splitNames(ctx.segments[3]);
  const groups = splitNames(query.get('channel-group'));
  const keyset = core.keyset(subscribeKey);
  if (!keyset) {
    core.stats.totals.rejected++;
    sendForbidden(res, channels, groups);
    return;
  }
  const rawTt = query.get('tt');
  const after = rawTt === null || rawTt === '' ? 0n : parseTimetoken(rawTt);
  const timeoutSec = presenceTimeoutOf(query);
  const states = presenceStatesOf(query);
  if (channels.length === 0 && groups.length === 0) {
    core.stats.totals.rejected++;
    sendServiceError(res, 400, 'Invalid Arguments: no channels or channel groups', 'Balancer');
    return;
  }
  if (after === undefined || timeoutSec === undefined || states === 'invalid') {
    core.stats.totals.rejected++;
    sendServiceError(res, 400, 'Invalid Arguments: tt, heartbeat or state', 'Balancer');
    return;
  }
  core.stats.totals.subscribePolls++;
  const uuid = query.get('uuid');
  // A cut subscriber's connection is reset, as a dropped network would: no answer at all.
  const cutNow = (): boolean => {
    if (!isCut(ctx.faults().cutSubscribers, uuid, ctx.nowMs())) return false;
    core.stats.faults.subscribesCut++;
    res.destroy();
    return true;
  };
  if (cutNow()) return;
  // On a handshake the cursor is taken first, so the client sees its own join.
  const cursor = after === 0n ? core.clock.next() : after;
  // Without a uuid there is nobody to mark present (the SDK always sends one).
  if (uuid) keyset.presence.heartbeat(uuid, presenceChannels(keyset, channels, groups), timeoutSec, states);
  if (after === 0n) {
    sendEvents(ctx, cursor, []);
    return;
  }

  const groupMembers = new Map<string, ReadonlySet<string>>();
  for (const group of groups) {
    const base = isPresenceChannel(group) ? group.slice(0, -'-pnpres'.length) : group;
    groupMembers.set(group, keyset.groups.get(base) ?? new Set());
  }
  const matcher = createChannelMatcher({ channels, groups: groupMembers });

  const answerIfAny = (): boolean => {
    const found = keyset.buffer.collect(matcher, after, MAX_EVENTS_PER_RESPONSE);
    const last = found.at(-1);
    if (!last) return false;
    if (cutNow()) return true;
    const { items, dropped, duplicated } = applyDeliveryFaults(
      ctx.faults().deliveries,
      uuid,
      found.map((f) => ({ tt: f.tt, channel: f.envelope.c, item: f.envelope })),
    );
    core.stats.faults.deliveriesDropped += dropped;
    core.stats.faults.deliveriesDuplicated += duplicated;
    // The cursor moves past dropped deliveries too: they are lost for this subscriber.
    sendEvents(ctx, last.tt, items);
    return true;
  };
  if (answerIfAny()) return;

  let wakeScheduled = false;
  const finish = (): void => {
    clearTimeout(timer);
    unpark();
    res.off('close', finish);
    ctx.stopSignal.removeEventListener('abort', finish);
  };
  const unpark = keyset.waiters.add({
    matcher,
    wake() {
      if (wakeScheduled) return;
      wakeScheduled = true;
      // Deferred so a burst of publishes in one tick goes out as one response.
      setImmediate(() => {
        wakeScheduled = false;
        if (res.writableEnded || res.destroyed) return;
        if (answerIfAny()) finish();
      });
    },
  });
  const timer = setTimeout(() => {
    finish();
    if (cutNow()) return;
    sendEvents(ctx, after, []);
  }, ctx.limits.longPollTimeoutMs);
  res.on('close', finish);
  ctx.stopSignal.addEventListener('abort', finish);
}
