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

/** A real `pubnub` SDK client subscribed to `game.*`, as a player's app would be. */
export function subscribeToGames(options: {
  origin: string;
  subscribeKey: string;
  onEvent: (event: ReceivedEvent) => void;
}): DemoSubscriber {
  const url = new URL(options.origin);
  const pubnub = new PubNub({
    subscribeKey: options.subscribeKey,
    userId: 'sketchyaf-demo',
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
  pubnub.subscribe({ channels: ['game.*'] });
  return {
    stop() {
      pubnub.unsubscribeAll();
      pubnub.destroy();
    },
  };
}
