/**
 * What a pubnub SDK status means for the session. The SDK reports a
 * subscription that connected, changed or came back; one it gave up on (after
 * its own retries); Access Manager refusing it; and messages it had to skip.
 */
export type StatusMeaning = 'connected' | 'disconnected' | 'denied' | 'lost' | 'other';

const connected: ReadonlySet<string> = new Set([
  'PNConnectedCategory',
  'PNReconnectedCategory',
  'PNSubscriptionChangedCategory',
]);
const disconnected: ReadonlySet<string> = new Set([
  'PNNetworkDownCategory',
  'PNNetworkIssuesCategory',
  'PNTimeoutCategory',
  'PNConnectionErrorCategory',
  'PNDisconnectedUnexpectedlyCategory',
]);

/** The meaning of a status `category`; `error` is the cause the SDK gives a failed connection. */
export function statusMeaning(category: string, error?: unknown): StatusMeaning {
  if (connected.has(category)) return 'connected';
  // Version 12 reports a refused subscribe as a connection error caused by PNAccessDeniedCategory.
  if (
    category === 'PNAccessDeniedCategory' ||
    (disconnected.has(category) && error === 'PNAccessDeniedCategory')
  )
    return 'denied';
  if (disconnected.has(category)) return 'disconnected';
  if (category === 'PNRequestMessageCountExceededCategory') return 'lost';
  return 'other';
}
