import { errorCodes, type ErrorCode } from '@sketchyaf/core';

// What each error `code` means to a caller, for the OpenAPI document and
// docs/api.md. A Record over ErrorCode: a code added to core without a
// description here fails the type check.
export const errorCodeDescriptions: Record<ErrorCode, string> = {
  invalid_config:
    'Start-up configuration is invalid. Never answered over HTTP: the service does not start (listed for completeness).',
  bad_request: 'The request could not be read, e.g. the client aborted it while sending the body.',
  invalid_json: 'The body is not a JSON object or array.',
  validation_failed:
    'The body, a query parameter or the `Idempotency-Key` header is invalid; `details` lists every field issue ' +
    '(`{path, code, message}`, e.g. path `events.2.gameId`, code `unknown_type` for an unknown event type).',
  unsupported_media_type:
    'The body is not `application/json` in UTF-8, or is compressed; `details.contentType` shows what was sent.',
  unauthorized:
    'No bearer token (`Authorization: Bearer <token>`; the answer carries `WWW-Authenticate`), or a player token ' +
    'that has expired (ask the game backend for a new one).',
  forbidden:
    'The token is not known, a player token does not name the game (`details.gameId`), or a browser `Origin` is not ' +
    'on the CORS allowlist (`details.origin`, checked before the token).',
  insufficient_scope:
    "The client's token is valid but lacks a scope the request needs (an event type, game or user events, admin); " +
    '`details.missingScope` names it.',
  not_found:
    'An event names a game that does not exist (`details.gameIds`; nothing of the request is written), or no such route.',
  payload_too_large:
    'The body is larger than the route accepts (`details.limitBytes`), a batch holds more than 100 events, or an ' +
    "event's envelope would exceed 32 KiB (`details` lists the events).",
  rate_limited:
    "The client's request rate is over its limit (per-client token bucket); nothing was written. Retry after `Retry-After` seconds.",
  unavailable:
    'The service is starting, held read-only by runtime control, or the database is unavailable; `Retry-After` says when ' +
    'to retry. `details.outcome` is `not_written` (a retry cannot duplicate) or `unknown` (the connection broke after ' +
    'the write was sent: retry with the same `Idempotency-Key`).',
  overloaded: 'The write queue is full: refused at once, nothing written. Retry after `Retry-After` seconds.',
  game_busy:
    "The game's row is held by another transaction for longer than the API waits (`details.gameIds`); nothing " +
    'written. Retry after `Retry-After` seconds.',
  idempotency_key_reused:
    'The `Idempotency-Key` already answered a request with another body (or on the other route); use a new key for a new request.',
  access_manager_off:
    'The broadcaster runs without `PUBNUB_SECRET_KEY` (PubNub Access Manager off): there are no player tokens to ' +
    'grant, and none are needed. Not retryable.',
  internal: 'An unexpected failure (a bug); it is logged with its stack under the `requestId`.',
};

/** The HTTP status each code is answered with (core's catalogue). */
export function statusOf(code: ErrorCode): number {
  return errorCodes[code];
}

/** Codes both ingest routes may answer. */
export const ingestErrorCodes: readonly ErrorCode[] = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_key_reused',
  'rate_limited',
  'unavailable',
  'overloaded',
  'game_busy',
  'internal',
];

/** Codes `GET /admin/dead-letters` may answer. */
export const gameHistoryErrorCodes: readonly ErrorCode[] = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'not_found',
  'unavailable',
  'internal',
];

export const listDeadLettersErrorCodes: readonly ErrorCode[] = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'unavailable',
  'internal',
];

/** Codes `POST /admin/dead-letters/redrive` may answer. */
export const redriveErrorCodes: readonly ErrorCode[] = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'payload_too_large',
  'unsupported_media_type',
  'unavailable',
  'internal',
];

/** Codes `POST /v1/access-tokens` may answer. */
export const accessTokenErrorCodes: readonly ErrorCode[] = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'payload_too_large',
  'unsupported_media_type',
  'access_manager_off',
  'unavailable',
  'internal',
];

/** Codes `GET /v1/games/{gameId}/events` may answer. */
export const gameEventsErrorCodes: readonly ErrorCode[] = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'insufficient_scope',
  'rate_limited',
  'unavailable',
  'internal',
];

/** Codes a CORS preflight may answer (an origin not on the allowlist). */
export const preflightErrorCodes: readonly ErrorCode[] = ['forbidden'];
