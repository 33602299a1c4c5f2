/**
 * One event as the subscribe endpoint returns it (field names are PubNub's).
 * `e` is left out for ordinary messages: the JS SDK reads `e: 0` as a file
 * event, so a normal message must carry no `e` at all.
 */
export interface Envelope {
  /** Shard; any short string. */
  a: string;
  f: number;
  /** Publisher's uuid; absent on presence events. */
  i?: string;
  p: { t: string; r: number };
  k: string;
  c: string;
  /** Subscription the event matched, when it differs from `c`. */
  b?: string;
  d: unknown;
  u?: unknown;
  cmt?: string;
  e?: number;
}

export const REGION = 1;

export const ENVELOPE_TYPE_SIGNAL = 1;
