import { fetchPage } from './catchUpApi.ts';
import { Emitter } from './emitter.ts';
import { asGameEvent, asUserEvent, type GameEvent, type UserEvent } from './envelope.ts';
import { RecentIds } from './recentIds.ts';
import { statusMeaning } from './sdkStatus.ts';
import {
  defaultSessionConfig,
  newSession,
  step,
  type CatchUpReason,
  type ConnectionState,
  type Effect,
  type Input,
  type Session,
  type SessionConfig,
} from './session.ts';

/** What the player client needs of a `pubnub` SDK instance (v8 and later have it). */
export interface PubNubLike {
  addListener(listener: PubNubListener): void;
  removeListener(listener: PubNubListener): void;
  subscribe(parameters: { channels: string[] }): void;
  unsubscribe(parameters: { channels: string[] }): void;
  reconnect(): void;
  setToken(token: string): void;
}

export interface PubNubListener {
  message?: (event: { channel: string; message: unknown }) => void;
  /** `error` names the cause of a failed connection (e.g. `PNAccessDeniedCategory`). */
  status?: (event: { category: string; error?: unknown }) => void;
}

/** Time, injected so that tests drive it; the default is the wall clock. */
export interface Clock {
  now(): number;
  /** Calls `callback` at `at` (or at once when it is past); returns what cancels it. */
  setTimer(at: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, callback) {
    const id = setTimeout(callback, Math.max(0, at - Date.now()));
    return () => {
      clearTimeout(id);
    };
  },
};

export interface JoinOptions extends Partial<SessionConfig> {
  gameId: string;
  /** The SDK instance's `userId`: its `user.<userId>` events are delivered too. */
  userId: string;
  /** The player's token from `POST /v1/access-tokens`: set on the SDK, and the catch-up credential. */
  token?: string;
  /** The app's SDK instance (`new PubNub({ subscribeKey, userId })`; `window.PubNub` in a page). */
  pubnub: PubNubLike;
  /** The broadcaster, where `GET /v1/games/:id/events` answers. */
  baseUrl: string;
  /** Resume after this sequence (the last one the app showed); default 0: the whole game. */
  after?: number;
  /** Events per catch-up request (1-1000). */
  pageSize?: number;
  requestTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
}

export type CatchUpStatus = 'idle' | 'running' | 'retrying' | 'failed';

export interface PlayerState {
  connection: ConnectionState;
  catchUp: CatchUpStatus;
  /** Why the current or last catch-up ran. */
  catchUpReason: CatchUpReason | null;
  /** The last sequence delivered: every one up to it was delivered once, in order. */
  lastSequence: number;
  /** Events held back for an earlier one. */
  pending: number;
  /** The last catch-up failure, while catch-up is retrying or failed. */
  error: string | null;
}

export interface CaughtUp {
  reason: CatchUpReason;
  /** From the decision to catch up to the last page applied. */
  tookMs: number;
  /** Events the pages held (repeats included). */
  fetched: number;
  /** Events delivered meanwhile, from the pages and live. */
  delivered: number;
}

export interface PlayerEvents extends Record<string, unknown> {
  event: GameEvent;
  userEvent: UserEvent;
  state: PlayerState;
  caughtUp: CaughtUp;
  error: Error;
}

export interface GameSession {
  on<K extends keyof PlayerEvents>(type: K, listener: (value: PlayerEvents[K]) => void): () => void;
  state(): PlayerState;
  /** Unsubscribes from the game's channels and stops every timer; no event is delivered after it. */
  leave(): void;
  /** The same as `leave()`. */
  close(): void;
}

function stateOf(session: Session, lastError: string | null): PlayerState {
  const c = session.catchUp;
  return {
    connection: session.connection,
    catchUp: c.state,
    catchUpReason: c.state === 'idle' ? null : c.reason,
    lastSequence: session.buffer.delivered,
    pending: session.buffer.pending.size,
    error: c.state === 'failed' ? c.error : c.state === 'retrying' ? lastError : null,
  };
}

function sameState(a: PlayerState, b: PlayerState): boolean {
  return (
    a.connection === b.connection &&
    a.catchUp === b.catchUp &&
    a.catchUpReason === b.catchUpReason &&
    a.lastSequence === b.lastSequence &&
    a.pending === b.pending &&
    a.error === b.error
  );
}

/**
 * Joins a game as a player: every event of `game.<gameId>` exactly once and in
 * `sequence` order, across lost messages, repeats and reconnects, filling gaps
 * from the broadcaster's catch-up API; `user.<userId>` events once each.
 */
export function joinGame(options: JoinOptions): GameSession {
  const config: SessionConfig = {
    gapWaitMs: options.gapWaitMs ?? defaultSessionConfig.gapWaitMs,
    idleCheckMs: options.idleCheckMs ?? defaultSessionConfig.idleCheckMs,
    retryMinMs: options.retryMinMs ?? defaultSessionConfig.retryMinMs,
    retryMaxMs: options.retryMaxMs ?? defaultSessionConfig.retryMaxMs,
    reconnectMinMs: options.reconnectMinMs ?? defaultSessionConfig.reconnectMinMs,
    reconnectMaxMs: options.reconnectMaxMs ?? defaultSessionConfig.reconnectMaxMs,
    maxPending: options.maxPending ?? defaultSessionConfig.maxPending,
  };
  const clock = options.clock ?? systemClock;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 500));
  const { gameId, userId, pubnub } = options;
  const gameChannel = `game.${gameId.toLowerCase()}`;
  const userChannel = `user.${userId}`;
  const userIds = new RecentIds(1000);
  let reporting = false;
  const emitError = (error: unknown): void => {
    // An error listener that throws has nowhere left to report to.
    if (reporting) return;
    reporting = true;
    try {
      const message = error instanceof Error ? error.message : String(error);
      emitter.emit('error', new Error(`player-client: ${message}`, { cause: error }));
    } finally {
      reporting = false;
    }
  };
  const emitter = new Emitter<PlayerEvents>(emitError);

  let session = newSession(clock.now(), options.after ?? 0);
  let lastError: string | null = null;
  let published = stateOf(session, lastError);
  let cancelTimer: (() => void) | null = null;
  let closed = false;
  let denialReported = false;

  const run = (effects: Effect[]): void => {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'deliver':
          for (const event of effect.events) emitter.emit('event', event);
          break;
        case 'fetch':
          void fetchPage({
            baseUrl: options.baseUrl,
            gameId,
            token: options.token,
            after: effect.after,
            limit: pageSize,
            timeoutMs: options.requestTimeoutMs ?? 10_000,
            fetch: doFetch,
          }).then((page) => {
            if (page.ok) {
              lastError = null;
              feed({ kind: 'page', events: page.events, hasMore: page.hasMore, now: clock.now() });
            } else {
              lastError = page.error;
              const input: Input = {
                kind: 'pageFailed',
                error: page.error,
                retryable: page.retryable,
                now: clock.now(),
              };
              if (page.retryAfterMs !== undefined) input.retryAfterMs = page.retryAfterMs;
              feed(input);
              if (!page.retryable) emitError(new Error(page.error));
            }
          });
          break;
        case 'reconnect':
          pubnub.reconnect();
          break;
        case 'caughtUp':
          emitter.emit('caughtUp', {
            reason: effect.reason,
            tookMs: effect.tookMs,
            fetched: effect.fetched,
            delivered: effect.delivered,
          });
          break;
        case 'dropped':
          break;
      }
    }
  };

  const feed = (input: Input): void => {
    if (closed && input.kind !== 'close') return;
    const next = step(config, session, input);
    session = next.session;
    cancelTimer?.();
    cancelTimer = null;
    if (next.wakeAt !== null && !closed)
      cancelTimer = clock.setTimer(next.wakeAt, () => {
        feed({ kind: 'tick', now: clock.now() });
      });
    run(next.effects);
    const now = stateOf(session, lastError);
    if (!sameState(now, published)) {
      published = now;
      emitter.emit('state', now);
    }
  };

  const listener: PubNubListener = {
    message(m) {
      if (m.channel === gameChannel) {
        const event = asGameEvent(m.message, gameId);
        if (event !== null) feed({ kind: 'live', event, now: clock.now() });
      } else if (m.channel === userChannel) {
        const event = asUserEvent(m.message, userId);
        if (event !== null && userIds.add(event.eventId)) emitter.emit('userEvent', event);
      }
    },
    status(s) {
      const meaning = statusMeaning(s.category, s.error);
      if (meaning === 'connected') {
        denialReported = false;
        feed({ kind: 'connected', now: clock.now() });
      } else if (meaning === 'disconnected' || meaning === 'denied') {
        // Reconnecting goes on after a refusal too (the app may set another token); it is reported once.
        if (meaning === 'denied' && !denialReported) {
          denialReported = true;
          emitError(
            new Error(
              `PubNub refused the subscription: the token does not grant ${gameChannel} and ${userChannel}`,
            ),
          );
        }
        feed({ kind: 'disconnected', now: clock.now() });
      } else if (meaning === 'lost') feed({ kind: 'lost', now: clock.now() });
    },
  };

  if (options.token !== undefined) pubnub.setToken(options.token);
  pubnub.addListener(listener);
  pubnub.subscribe({ channels: [gameChannel, userChannel] });

  const leave = (): void => {
    if (closed) return;
    closed = true;
    pubnub.removeListener(listener);
    pubnub.unsubscribe({ channels: [gameChannel, userChannel] });
    feed({ kind: 'close', now: clock.now() });
    cancelTimer?.();
    emitter.clear();
  };

  return {
    on: (type, fn) => emitter.on(type, fn),
    state: () => stateOf(session, lastError),
    leave,
    close: leave,
  };
}
