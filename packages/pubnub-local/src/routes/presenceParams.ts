import type { PresenceState } from '../presence.ts';
import { isPlainObject, queryJson } from './context.ts';

// PubNub's default presence timeout when a client sends no `heartbeat`.
const DEFAULT_PRESENCE_TIMEOUT_SEC = 300;

/** `heartbeat=<seconds>`; undefined when malformed. */
export function presenceTimeoutOf(query: URLSearchParams): number | undefined {
  const raw = query.get('heartbeat');
  if (raw === null || raw === '' || raw === '0') return DEFAULT_PRESENCE_TIMEOUT_SEC;
  const seconds = Number(raw);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** `state={"channel":{...}}` as sent with subscribe and heartbeat. */
export function presenceStatesOf(query: URLSearchParams): Record<string, PresenceState> | 'invalid' {
  const parsed = queryJson(query, 'state');
  if (parsed === 'invalid') return 'invalid';
  if (parsed.value === undefined) return {};
  if (!isPlainObject(parsed.value)) return 'invalid';
  const states: Record<string, PresenceState> = {};
  for (const [channel, state] of Object.entries(parsed.value)) {
    if (isPlainObject(state)) states[channel] = state;
  }
  return states;
}
