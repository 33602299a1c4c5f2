import { endsGame, type GameEvent } from './envelope.ts';
import { emptyBuffer, hasGap, offer, type ReorderBuffer } from './reorderBuffer.ts';
import { earliest, gapDeadline, retryDelay } from './timing.ts';

/**
 * The player client's decisions as a pure state machine: what arrived (live
 * messages, connection changes, catch-up pages, the clock) goes in; what to do
 * (deliver these events, fetch the page after that sequence, wake me then)
 * comes out. No I/O and no timers here: `playerClient.ts` carries the effects
 * out, so every rule below is tested by feeding inputs.
 */

export interface SessionConfig {
  /** How long a missing sequence may stay missing before the catch-up API fills it. */
  gapWaitMs: number;
  /** With no game event for this long, ask the catch-up API (a lost last event has no successor to reveal it); 0 = never. */
  idleCheckMs: number;
  /** Catch-up retry delays: doubling from the first, capped at the second. */
  retryMinMs: number;
  retryMaxMs: number;
  /** After the SDK gave up on its connection, ask it to reconnect: delays doubling from the first, capped at the second. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Events held back waiting for an earlier one; beyond it the farthest are dropped and fetched again later. */
  maxPending: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';
export type CatchUpReason = 'join' | 'reconnect' | 'gap' | 'idle' | 'overflow';
export type CatchUpState =
  | { state: 'idle' }
  /** `from`: the last delivered sequence when it started; `failures`: failed requests so far. */
  | {
      state: 'running';
      reason: CatchUpReason;
      since: number;
      from: number;
      fetched: number;
      failures: number;
    }
  | {
      state: 'retrying';
      reason: CatchUpReason;
      since: number;
      from: number;
      fetched: number;
      failures: number;
      at: number;
    }
  | { state: 'failed'; reason: CatchUpReason; error: string };

export interface Session {
  readonly buffer: ReorderBuffer;
  readonly connection: ConnectionState;
  /** Whether the subscription has connected once: the next connect is a reconnect. */
  readonly everConnected: boolean;
  readonly catchUp: CatchUpState;
  /** A catch-up asked for while one runs: run again when it ends, it may have started too early. */
  readonly again: CatchUpReason | null;
  /** When the current gap was first seen; null without a gap. */
  readonly gapSince: number | null;
  /** The last game event or idle check: the idle check counts from it. */
  readonly quietSince: number;
  /** While disconnected: when to ask the SDK to reconnect, and how many times it was asked. */
  readonly reconnectAt: number | null;
  readonly reconnects: number;
  /** The game reached a final status: nothing is due any more, so no idle checks. */
  readonly ended: boolean;
}

export type Input =
  | { kind: 'live'; event: GameEvent; now: number }
  | { kind: 'connected'; now: number }
  | { kind: 'disconnected'; now: number }
  /** The SDK lost messages (e.g. its message-count limit): fill from the catch-up API. */
  | { kind: 'lost'; now: number }
  | { kind: 'page'; events: readonly GameEvent[]; hasMore: boolean; now: number }
  | { kind: 'pageFailed'; error: string; retryable: boolean; retryAfterMs?: number; now: number }
  | { kind: 'tick'; now: number }
  | { kind: 'close'; now: number };

export type Effect =
  | { kind: 'deliver'; events: GameEvent[] }
  | { kind: 'fetch'; after: number }
  | { kind: 'reconnect' }
  | { kind: 'caughtUp'; reason: CatchUpReason; tookMs: number; fetched: number; delivered: number }
  | { kind: 'dropped'; reason: 'overflow'; sequence: number };

export interface Step {
  session: Session;
  effects: Effect[];
  /** When to feed the next `tick`; null: nothing is due. */
  wakeAt: number | null;
}

export const defaultSessionConfig: SessionConfig = {
  gapWaitMs: 500,
  idleCheckMs: 30_000,
  retryMinMs: 500,
  retryMaxMs: 15_000,
  reconnectMinMs: 2000,
  reconnectMaxMs: 30_000,
  maxPending: 10_000,
};

/** A session that has delivered everything up to `after` (0: from the game's first event). */
export function newSession(now: number, after = 0): Session {
  return {
    buffer: emptyBuffer(after),
    connection: 'connecting',
    everConnected: false,
    catchUp: { state: 'idle' },
    again: null,
    gapSince: null,
    quietSince: now,
    reconnectAt: null,
    reconnects: 0,
    ended: false,
  };
}

/** Mutable scratch for one step; the session itself is never mutated. */
interface Draft {
  s: Session;
  effects: Effect[];
}

function set(d: Draft, patch: Partial<Session>): void {
  d.s = { ...d.s, ...patch };
}

/** Offers `events` to the buffer in turn, delivering what they release. */
function accept(config: SessionConfig, d: Draft, events: readonly GameEvent[], now: number): number {
  let delivered = 0;
  let buffer = d.s.buffer;
  let ended = d.s.ended;
  const out: GameEvent[] = [];
  for (const event of events) {
    const r = offer(buffer, event, config.maxPending);
    buffer = r.buffer;
    if (r.outcome.kind === 'released') {
      out.push(...r.outcome.events);
      delivered += r.outcome.events.length;
      if (r.outcome.events.some(endsGame)) ended = true;
    } else if (r.outcome.kind === 'overflow') {
      d.effects.push({ kind: 'dropped', reason: 'overflow', sequence: event.sequence });
    }
  }
  if (out.length > 0) d.effects.push({ kind: 'deliver', events: out });
  const gap = hasGap(buffer);
  set(d, { buffer, ended, gapSince: gap ? (d.s.gapSince ?? now) : null });
  return delivered;
}

function startCatchUp(d: Draft, reason: CatchUpReason, now: number): void {
  const c = d.s.catchUp;
  if (c.state === 'running' || c.state === 'retrying') {
    set(d, { again: d.s.again ?? reason });
    return;
  }
  const from = d.s.buffer.delivered;
  set(d, { catchUp: { state: 'running', reason, since: now, from, fetched: 0, failures: 0 }, again: null });
  d.effects.push({ kind: 'fetch', after: d.s.buffer.delivered });
}

function finishCatchUp(d: Draft, now: number): void {
  const c = d.s.catchUp;
  if (c.state !== 'running') return;
  d.effects.push({
    kind: 'caughtUp',
    reason: c.reason,
    tookMs: now - c.since,
    fetched: c.fetched,
    delivered: d.s.buffer.delivered - c.from,
  });
  // A gap still open after a full catch-up is a new one: wait for it afresh.
  set(d, { catchUp: { state: 'idle' }, quietSince: now, gapSince: d.s.gapSince === null ? null : now });
  const again = d.s.again;
  if (again !== null) startCatchUp(d, again, now);
}

/** Everything due at `now`: a gap waited out, a retry, an idle check. */
function due(config: SessionConfig, d: Draft, now: number): void {
  if (d.s.reconnectAt !== null && now >= d.s.reconnectAt) {
    const reconnects = d.s.reconnects + 1;
    const delay = retryDelay(reconnects + 1, config.reconnectMinMs, config.reconnectMaxMs);
    set(d, { reconnects, reconnectAt: now + delay });
    d.effects.push({ kind: 'reconnect' });
  }
  const s = d.s;
  const c = s.catchUp;
  if (c.state === 'retrying' && now >= c.at) {
    const { reason, since, from, fetched, failures } = c;
    set(d, { catchUp: { state: 'running', reason, since, from, fetched, failures } });
    d.effects.push({ kind: 'fetch', after: s.buffer.delivered });
    return;
  }
  if (c.state !== 'idle') return;
  if (s.gapSince !== null && now >= gapDeadline(s.gapSince, config.gapWaitMs)) {
    startCatchUp(d, 'gap', now);
    return;
  }
  if (idleDeadline(config, s) !== null && now >= (idleDeadline(config, s) ?? Infinity))
    startCatchUp(d, 'idle', now);
}

function idleDeadline(config: SessionConfig, s: Session): number | null {
  if (config.idleCheckMs <= 0 || s.ended || s.connection !== 'connected') return null;
  return s.quietSince + config.idleCheckMs;
}

function wakeAt(config: SessionConfig, s: Session): number | null {
  const c = s.catchUp;
  if (s.connection === 'closed') return null;
  if (c.state === 'retrying') return earliest(c.at, s.reconnectAt);
  if (c.state !== 'idle') return s.reconnectAt;
  return earliest(
    s.gapSince === null ? null : gapDeadline(s.gapSince, config.gapWaitMs),
    idleDeadline(config, s),
    s.reconnectAt,
  );
}

/** One input: the next session, what to do, and when to wake. */
export function step(config: SessionConfig, session: Session, input: Input): Step {
  const d: Draft = { s: session, effects: [] };
  if (session.connection === 'closed') return { session, effects: [], wakeAt: null };
  const now = input.now;
  switch (input.kind) {
    case 'live':
      set(d, { quietSince: now });
      accept(config, d, [input.event], now);
      break;
    case 'connected': {
      const reason = d.s.everConnected ? 'reconnect' : 'join';
      if (d.s.connection === 'connected' && d.s.everConnected) break;
      set(d, {
        connection: 'connected',
        everConnected: true,
        quietSince: now,
        reconnectAt: null,
        reconnects: 0,
      });
      // Whatever was published before the subscription or while it was down is fetched.
      startCatchUp(d, reason, now);
      break;
    }
    case 'disconnected':
      // The SDK reports each failed attempt; the reconnect schedule starts at the first.
      if (d.s.connection !== 'disconnected')
        set(d, {
          connection: 'disconnected',
          reconnects: 0,
          reconnectAt: now + retryDelay(1, config.reconnectMinMs, config.reconnectMaxMs),
        });
      break;
    case 'lost':
      startCatchUp(d, 'overflow', now);
      break;
    case 'page': {
      const c = d.s.catchUp;
      if (c.state !== 'running') break;
      const before = d.s.buffer.delivered;
      set(d, { catchUp: { ...c, fetched: c.fetched + input.events.length } });
      accept(config, d, input.events, now);
      const advanced = d.s.buffer.delivered > before;
      if (input.hasMore && advanced) d.effects.push({ kind: 'fetch', after: d.s.buffer.delivered });
      else finishCatchUp(d, now);
      break;
    }
    case 'pageFailed': {
      const c = d.s.catchUp;
      if (c.state !== 'running') break;
      if (!input.retryable) {
        set(d, { catchUp: { state: 'failed', reason: c.reason, error: input.error }, again: null });
        break;
      }
      const failures = c.failures + 1;
      const delay = retryDelay(failures, config.retryMinMs, config.retryMaxMs, input.retryAfterMs);
      set(d, { catchUp: { ...c, state: 'retrying', failures, at: now + delay } });
      break;
    }
    case 'tick':
      break;
    case 'close':
      set(d, {
        connection: 'closed',
        catchUp: { state: 'idle' },
        again: null,
        gapSince: null,
        reconnectAt: null,
      });
      return { session: d.s, effects: d.effects, wakeAt: null };
  }
  due(config, d, now);
  return { session: d.s, effects: d.effects, wakeAt: wakeAt(config, d.s) };
}
