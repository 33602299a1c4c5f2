import PubNub from 'pubnub';
import type { PubnubLocalHandle } from '../src/index.ts';

export const PUBLISH_KEY = 'pub-c-local';
export const SUBSCRIBE_KEY = 'sub-c-local';

const clients = new Set<PubNub>();

/** An SDK client pointed at the local server; `destroyClients()` in `after` cleans them up. */
export function createClient(
  handle: PubnubLocalHandle,
  userId: string,
  extra: Partial<PubNub.PubNubConfiguration> = {},
): PubNub {
  const client = new PubNub({
    publishKey: PUBLISH_KEY,
    subscribeKey: SUBSCRIBE_KEY,
    userId,
    origin: handle.origin,
    ssl: false,
    keepAlive: true,
    ...extra,
  });
  clients.add(client);
  return client;
}

export function destroyClients(): void {
  for (const client of clients) {
    client.removeAllListeners();
    client.destroy(true);
  }
  clients.clear();
}

/** A unique name per test, so tests sharing a server never see each other's events. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Rejects after `ms` with `what` in the message; the timer never keeps mocha alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Subscribes and resolves once the SDK reports the subscription connected,
 * so that anything published afterwards is after the client's cursor.
 */
export function subscribeAndWait(
  client: PubNub,
  params: PubNub.Subscription.SubscribeParameters,
): Promise<void> {
  const connected = new Promise<void>((resolve, reject) => {
    const listener: PubNub.Listener = {
      status(event) {
        if (event.category === PubNub.CATEGORIES.PNConnectedCategory) {
          client.removeListener(listener);
          resolve();
        } else if (event.error) {
          client.removeListener(listener);
          reject(new Error(`subscribe failed: ${event.category}`));
        }
      },
    };
    client.addListener(listener);
  });
  client.subscribe(params);
  return withTimeout(connected, 5000, 'the subscription to connect');
}

/** Collects events of one kind and resolves when `done(collected)` holds. */
export function collect<T>(
  client: PubNub,
  kind: 'message' | 'signal' | 'presence',
  done: (events: T[]) => boolean,
  ms = 5000,
): { events: T[]; finished: Promise<T[]> } {
  const events: T[] = [];
  const finished = new Promise<T[]>((resolve) => {
    const listener: PubNub.Listener = {
      [kind]: (event: T) => {
        events.push(event);
        if (done(events)) {
          client.removeListener(listener);
          resolve(events);
        }
      },
    };
    client.addListener(listener);
  });
  return { events, finished: withTimeout(finished, ms, `${kind} events`) };
}

/** Waits until `predicate` holds, polling; for server-side state with no event to wait on. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
