import type { ServerResponse } from 'node:http';

/**
 * Every response is JSON with a JSON content type, errors included: the SDK
 * rejects a success without one and crashes parsing an error without one.
 */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends already-serialised JSON (for bodies holding 17-digit numbers that JSON.stringify cannot write). */
export function sendRawJson(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
    // Browsers running the game locally talk to this server directly.
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding',
    ...headers,
  });
  res.end(text);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  sendRawJson(res, status, JSON.stringify(body), headers);
}

// PubNub's own error shapes, per family of endpoint.

/** Access Manager denial: unknown keys, and requests a token or signature does not allow. */
export function sendForbidden(
  res: ServerResponse,
  channels: readonly string[] = [],
  groups: readonly string[] = [],
  message = 'Forbidden',
): void {
  const payload: Record<string, readonly string[]> = { channels };
  if (groups.length > 0) payload['channel-groups'] = groups;
  sendJson(res, 403, { message, payload, error: true, service: 'Access Manager', status: 403 });
}

/** Publish and signal errors: `[0, "<description>", "<timetoken>"]`. */
export function sendPublishError(
  res: ServerResponse,
  status: number,
  description: string,
  timetoken: bigint,
): void {
  sendJson(res, status, [0, description, timetoken.toString()]);
}

/** Presence, subscribe and other JSON services. */
export function sendServiceError(
  res: ServerResponse,
  status: number,
  message: string,
  service: string,
): void {
  sendJson(res, status, { status, error: true, message, service });
}

/** Message Persistence (history) errors. */
export function sendHistoryError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { status, error: true, error_message: message, channels: {} });
}

/** Our own admin API follows the project's error shape. */
export function sendAdminError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  details: readonly string[] = [],
): void {
  sendJson(res, status, { error: { code, message, details } });
}
