import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PubnubCore } from '../core.ts';
import type { ActiveFaults } from '../faults.ts';
import type { Logger } from '../logger.ts';

export interface RouteLimits {
  /** How long a subscribe with `tt` waits for an event before answering empty. */
  longPollTimeoutMs: number;
  /** Largest publish payload (JSON bytes). */
  messageLimitBytes: number;
  /** Largest signal payload (JSON bytes). */
  signalLimitBytes: number;
}

/** What every route handler receives. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Decoded path segments. */
  segments: string[];
  query: URLSearchParams;
  core: PubnubCore;
  limits: RouteLimits;
  logger: Logger;
  /** Aborted when the server stops; long waits end with it. */
  stopSignal: AbortSignal;
  /** Receives a body's raw bytes when a request recorder is on. */
  onRawBody?: (raw: Buffer) => void;
  /** The faults in force now (subscribers' deliveries and cuts apply in the route). */
  faults(): ActiveFaults;
  nowMs(): number;
}

/** Query flags arrive as `true`, `1`, or (for some SDKs) `True`. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && ['true', '1'].includes(value.toLowerCase());
}

/** Parses a JSON query value; `invalid` when present but not JSON. */
export function queryJson(query: URLSearchParams, name: string): { value?: unknown } | 'invalid' {
  const raw = query.get(name);
  if (raw === null || raw === '') return {};
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch {
    return 'invalid';
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
