import { hash } from 'node:crypto';
import type { FieldIssue } from '../errors.ts';

/**
 * What the database needs to recognise a retry: the key within its client's
 * scope, and a hash of the request it first answered.
 */
export interface IdempotencyClaim {
  /** The caller's client (clientScope): keys of two clients never meet. */
  scope: string;
  key: string;
  /** requestHash of the request: tells a retry from a reuse of the key. */
  bodyHash: Buffer;
}

/** What a request carrying a key was first answered with, stored beside the key. */
export interface StoredAnswer {
  requestId: string;
  events: { outboxId: string; eventId: string; sequence: number | null }[];
}

export const maxIdempotencyKeyLength = 255;

/**
 * 1 to 255 printable ASCII characters (space included, but not at either end:
 * HTTP trims header values, so such a key could not come back byte for byte).
 */
export const idempotencyKeyPattern = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;
export const idempotencyKeyRule = `must be 1 to ${maxIdempotencyKeyLength} printable ASCII characters, no space at either end`;

/** The field issue of a malformed `Idempotency-Key`, or null when it is well formed. */
export function idempotencyKeyIssue(key: string): FieldIssue | null {
  if (idempotencyKeyPattern.test(key)) return null;
  return {
    path: 'headers.idempotency-key',
    code: 'invalid_format',
    message: `must be 1 to ${maxIdempotencyKeyLength} printable ASCII characters`,
  };
}

/**
 * The scope of a client's keys: its name, so that a retry sent with the
 * client's other token (a rotation) replays. The prefix keeps these apart
 * from the token hashes (base64url, no colon) that scoped keys before clients
 * had names; those rows are not looked up any more and age out.
 */
export function clientScope(clientName: string): string {
  return `client:${clientName}`;
}

/**
 * JSON with object keys sorted at every depth: two bodies that differ only in
 * key order or whitespace are the same request.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * SHA-256 of the route and the canonical body. The route is part of it: the
 * same key on the single and the batch route, or as a batch item's key
 * (`event`: the item without its key), is a reuse, not a retry.
 */
export function requestHash(route: 'single' | 'batch' | 'event', body: unknown): Buffer {
  return hash('sha256', `${route}\n${canonicalJson(body)}`, 'buffer');
}
