import PubNub from 'pubnub';

export interface ReceivedEvent {
  channel: string;
  gameId: string;
  sequence: number;
  type: string;
  eventId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface DemoSubscriber {
  stop(): void;
}

function asEvent(channel: string, message: unknown): ReceivedEvent | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m['gameId'] !== 'string' || typeof m['sequence'] !== 'number' || typeof m['type'] !== 'string')
    return undefined;
  return {
    channel,
    gameId: m['gameId'],
    sequence: m['sequence'],
    type: m['type'],
    eventId: typeof m['eventId'] === 'string' ? m['eventId'] : '',
    occurredAt: typeof m['occurredAt'] === 'string' ? m['occurredAt'] : '',
    data: typeof m['data'] === 'object' && m['data'] !== null ? (m['data'] as Record<string, unknown>) : {},
  };
}

/** Where the demo asks for its player token (POST /v1/access-tokens), with Access Manager on. */
export interface DemoAccess {
  broadcasterUrl: string;
  apiToken: string;
}

export interface GameWatcher extends DemoSubscriber {
  /** Starts receiving these games' events (resolves once the subscription is asked for). */
  watch(gameIds: readonly string[]): Promise<void>;
}

const demoUserId = 'sketchyaf-demo';
/** The token covers the most recent games only: a demo game is over long before. */
const watchedGames = 8;

/** A player's token for `gameIds`, from the broadcaster, as a game backend gets one. */
async function grantFor(access: DemoAccess, gameIds: readonly string[]): Promise<string> {
  const res = await fetch(`${access.broadcasterUrl}/v1/access-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${access.apiToken}` },
    body: JSON.stringify({ userId: demoUserId, gameIds, ttlMinutes: 60 }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { token?: unknown; error?: { code?: unknown } };
  if (res.status !== 200 || typeof body.token !== 'string')
    throw new Error(`POST /v1/access-tokens answered ${res.status} ${String(body.error?.code)}`);
  return body.token;
}

/**
 * A real `pubnub` SDK client, as a player's app would be. With `access`
 * (Access Manager on) it reads only what a token granted by
 * POST /v1/access-tokens allows: each batch of games is granted and
 * subscribed to by name. Without, it subscribes to `game.*` at once.
 */
export function subscribeToGames(options: {
  origin: string;
  subscribeKey: string;
  access?: DemoAccess | undefined;
  onEvent: (event: ReceivedEvent) => void;
}): GameWatcher {
  const url = new URL(options.origin);
  const pubnub = new PubNub({
    subscribeKey: options.subscribeKey,
    userId: demoUserId,
    origin: url.host,
    ssl: url.protocol === 'https:',
    keepAlive: true,
  });
  pubnub.addListener({
    message: (m) => {
      const event = asEvent(m.channel, m.message);
      if (event) options.onEvent(event);
    },
  });
  const access = options.access;
  let games: string[] = [];
  if (!access) pubnub.subscribe({ channels: ['game.*'] });
  return {
    async watch(gameIds) {
      if (!access) return;
      const previous = games;
      games = [...previous, ...gameIds].slice(-watchedGames);
      pubnub.setToken(await grantFor(access, games));
      const dropped = previous.filter((id) => !games.includes(id));
      if (dropped.length > 0) pubnub.unsubscribe({ channels: dropped.map((id) => `game.${id}`) });
      pubnub.subscribe({ channels: gameIds.map((id) => `game.${id}`) });
    },
    stop() {
      pubnub.unsubscribeAll();
      pubnub.destroy();
    },
  };
}
