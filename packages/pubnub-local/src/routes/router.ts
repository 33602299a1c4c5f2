import { sendRawJson, sendServiceError } from '../http/respond.ts';
import { handleChannelGroups } from './channelGroups.ts';
import type { RouteContext } from './context.ts';
import { handleHistory } from './history.ts';
import { handlePresence } from './presence.ts';
import { handlePublish } from './publish.ts';
import { handleSubscribe } from './subscribe.ts';

type Handler = (ctx: RouteContext) => void | Promise<void>;

interface Route {
  methods: readonly string[];
  /** True when the path belongs to this route (the handler validates the rest). */
  matches(segments: readonly string[]): boolean;
  handle: Handler;
}

const routes: readonly Route[] = [
  {
    methods: ['GET'],
    matches: (s) => s[0] === 'time' && s.length === 2,
    // A bare number, written by hand: 17 digits do not survive JSON.stringify of a Number.
    handle: (ctx) => {
      sendRawJson(ctx.res, 200, `[${ctx.core.clock.next().toString()}]`);
    },
  },
  {
    methods: ['GET', 'POST'],
    // GET carries the message as the 7th segment; POST carries it in the body.
    matches: (s) => s[0] === 'publish' && s.length >= 6,
    handle: (ctx) => handlePublish(ctx, 'publish'),
  },
  {
    methods: ['GET', 'POST'],
    matches: (s) => s[0] === 'signal' && s.length >= 6,
    handle: (ctx) => handlePublish(ctx, 'signal'),
  },
  {
    methods: ['GET'],
    matches: (s) => s[0] === 'v2' && s[1] === 'subscribe' && s.length >= 4,
    handle: handleSubscribe,
  },
  {
    methods: ['GET'],
    matches: (s) => s[0] === 'v2' && s[1] === 'presence' && s[2] === 'sub-key' && s.length >= 4,
    handle: handlePresence,
  },
  {
    methods: ['GET', 'DELETE'],
    matches: (s) =>
      s[0] === 'v3' && (s[1] === 'history' || s[1] === 'history-with-actions') && s[2] === 'sub-key',
    handle: handleHistory,
  },
  {
    methods: ['GET'],
    matches: (s) =>
      s[0] === 'v1' && s[1] === 'channel-registration' && s[2] === 'sub-key' && s[4] === 'channel-group',
    handle: handleChannelGroups,
  },
];

/** Dispatches a PubNub API request; unknown paths get a JSON 404. */
export async function routePubnub(ctx: RouteContext): Promise<void> {
  const route = routes.find((r) => r.matches(ctx.segments));
  if (!route) {
    ctx.core.stats.totals.rejected++;
    sendServiceError(ctx.res, 404, `Not Found: ${ctx.method} /${ctx.segments.join('/')}`, 'pubnub-local');
    return;
  }
  if (!route.methods.includes(ctx.method)) {
    ctx.core.stats.totals.rejected++;
    sendServiceError(ctx.res, 405, `Method Not Allowed: ${ctx.method}`, 'pubnub-local');
    return;
  }
  await route.handle(ctx);
}
