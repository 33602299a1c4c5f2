import { sendForbidden, sendJson, sendServiceError } from '../http/respond.ts';
import { splitNames } from '../http/target.ts';
import type { RouteContext } from './context.ts';

const SERVICE = 'ChannelGroups';

/**
 * `/v1/channel-registration/sub-key/{sub}/channel-group[/{group}[/remove]]`
 * with `?add=` / `?remove=`: enough of channel groups for `channel-group=`
 * subscribes to work.
 */
export function handleChannelGroups(ctx: RouteContext): void {
  const [, , , subscribeKey = '', , group, removeGroup] = ctx.segments;
  const keyset = ctx.core.keyset(subscribeKey);
  if (!keyset) {
    ctx.core.stats.totals.rejected++;
    sendForbidden(ctx.res, [], group ? [group] : []);
    return;
  }
  const ok = (payload: Record<string, unknown>): void => {
    sendJson(ctx.res, 200, { status: 200, message: 'OK', payload, service: SERVICE, error: false });
  };
  if (group === undefined || group === '') {
    ok({ sub_key: subscribeKey, groups: [...keyset.groups.keys()] });
    return;
  }
  if (removeGroup === 'remove') {
    keyset.groups.delete(group);
    ok({});
    return;
  }
  if (removeGroup !== undefined) {
    ctx.core.stats.totals.rejected++;
    sendServiceError(ctx.res, 400, 'Invalid channel group path', SERVICE);
    return;
  }
  const add = splitNames(ctx.query.get('add'));
  const remove = splitNames(ctx.query.get('remove'));
  if (add.length === 0 && remove.length === 0) {
    ok({ group, channels: [...(keyset.groups.get(group) ?? [])] });
    return;
  }
  const members = keyset.groups.get(group) ?? new Set<string>();
  for (const channel of add) members.add(channel);
  for (const channel of remove) members.delete(channel);
  if (members.size > 0) keyset.groups.set(group, members);
  else keyset.groups.delete(group);
  ok({});
}
