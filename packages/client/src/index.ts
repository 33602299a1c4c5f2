export {
  createClient,
  type ClientOptions,
  type SendOptions,
  type SendResult,
  type BatchResult,
  type RealtimeClient,
  type RetryInfo,
  type AccessTokenRequest,
  type AccessToken,
} from './client.ts';
export { type EventReceipt, type DeliveryState } from './receipts.ts';
export {
  RealtimeError,
  RealtimeApiError,
  RealtimeNetworkError,
  RealtimeTimeoutError,
  errorKindOf,
  isRetryable,
  type ErrorKind,
} from './errors.ts';
export { backoffDelay, parseRetryAfter, defaultRetrySettings, type RetrySettings } from './backoff.ts';
export { nextRetry, type RetryDecision } from './retryPolicy.ts';
export { systemClock, type ClientClock } from './clock.ts';
export * from './events.ts';
