import { isRecord } from './errors.ts';

/** Where the event is on its way to PubNub, when the request asked to wait. */
export type DeliveryState = 'published' | 'pending' | 'dead_lettered';

/** The API's answer for one accepted event. */
export interface EventReceipt {
  eventId: string;
  /** The request that wrote the event (the first one, when this answer is a replay). */
  requestId: string;
  /** The PubNub channel, e.g. `game.<gameId>` or `user.<userId>`. */
  channel: string;
  /** Per-game order; null for events that are not sequenced (presence, user channels). */
  sequence: number | null;
  /** Only when the request waited for delivery. */
  deliveryState?: DeliveryState;
  /** PubNub's timetoken once published, else null (only when the request waited). */
  timetoken?: string | null;
  /** Why the relay gave up on the event (only when `dead_lettered`). */
  error?: string;
}

const deliveryStates: ReadonlySet<string> = new Set(['published', 'pending', 'dead_lettered']);

/** One receipt from the API's JSON, or null when it is not one. */
export function parseReceipt(value: unknown): EventReceipt | null {
  if (!isRecord(value)) return null;
  const { eventId, requestId, channel, sequence, deliveryState, timetoken, error } = value;
  if (typeof eventId !== 'string' || typeof requestId !== 'string' || typeof channel !== 'string')
    return null;
  if (sequence !== null && !Number.isSafeInteger(sequence)) return null;
  const receipt: EventReceipt = { eventId, requestId, channel, sequence: sequence as number | null };
  if (deliveryState !== undefined) {
    if (typeof deliveryState !== 'string' || !deliveryStates.has(deliveryState)) return null;
    receipt.deliveryState = deliveryState as DeliveryState;
    receipt.timetoken = typeof timetoken === 'string' ? timetoken : null;
    if (typeof error === 'string') receipt.error = error;
  }
  return receipt;
}

/** The receipts of a batch answer (an array, one per event in order), or null when it is not one. */
export function parseReceipts(value: unknown, expected: number): EventReceipt[] | null {
  if (!Array.isArray(value) || value.length !== expected) return null;
  const receipts: EventReceipt[] = [];
  for (const item of value) {
    const receipt = parseReceipt(item);
    if (receipt === null) return null;
    receipts.push(receipt);
  }
  return receipts;
}
