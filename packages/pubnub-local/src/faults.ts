import {
  activeCut,
  activeDeliveryFaults,
  parseCut,
  parseDeliveryFaults,
  type ActiveCut,
  type ActiveDeliveryFaults,
  type CutSpec,
  type DeliveryFaultSpec,
} from './subscriberFaults.ts';

/**
 * Fault injection, as data: what an operator asked for (`FaultSpec`, from
 * start options or `POST /admin/faults`), what is in force (`ActiveFaults`,
 * with absolute deadlines), and the per-request decision. No I/O here; the
 * server applies the decision and runs the outage's listener close/reopen.
 */
export interface RateLimitSpec {
  /** Epoch ms when the storm ends. */
  untilMs?: number;
  /** Or: how long from now the storm lasts. Neither = until cleared. */
  durationMs?: number;
  /** `Retry-After` header value; default 1. */
  retryAfterSeconds?: number;
}

/**
 * Publishes (and signals) answered with `status` and PubNub's body for it:
 * 403 the Access Manager denial (a key revoked or rotated, Access Manager
 * switched on), 400 `[0,"Invalid Key",…]`, others `[0,"<message>",…]`.
 * Subscribes, presence and history are not affected.
 */
export interface PublishRejectionSpec {
  /** 400 to 499 (429 is `rateLimit`). */
  status: number;
  /** The publish array's description; defaults per status (400 "Invalid Key", 401 "Unauthorized", 403 "Forbidden"). */
  message?: string;
  /** Epoch ms when it ends. */
  untilMs?: number;
  /** Or: how long from now. Neither = until cleared. */
  durationMs?: number;
}

export interface FaultSpec {
  /** Added before every PubNub response. */
  latencyMs?: number;
  /** Share of PubNub requests answered 500, from 0 to 1. */
  errorRate?: number;
  /** `null` ends a storm. */
  rateLimit?: RateLimitSpec | null;
  /** The port stops listening for `durationMs`; `null` ends an outage early. */
  outage?: { durationMs: number } | null;
  /** `null` ends it. */
  rejectPublishes?: PublishRejectionSpec | null;
  /** Subscribers' deliveries dropped or duplicated (subscriberFaults.ts); `null` ends it. */
  deliveries?: DeliveryFaultSpec | null;
  /** Subscribers cut off for `durationMs`: their subscribes are reset, parked ones too; `null` ends it early. */
  cutSubscribers?: CutSpec | null;
}

export interface ActiveFaults {
  latencyMs: number;
  errorRate: number;
  rateLimit: { untilMs: number | null; retryAfterSeconds: number } | null;
  outage: { untilMs: number } | null;
  rejectPublishes: { status: number; message: string; untilMs: number | null } | null;
  deliveries: ActiveDeliveryFaults | null;
  cutSubscribers: ActiveCut | null;
}

export const noFaults: ActiveFaults = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  rateLimit: null,
  outage: null,
  rejectPublishes: null,
  deliveries: null,
  cutSubscribers: null,
});

export type FaultDecision =
  | { kind: 'pass' }
  | { kind: 'error' }
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  | { kind: 'rejectPublish'; status: number; message: string };

/** The description PubNub gives with each status, when the spec names none. */
export function defaultRejectionMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Invalid Key';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 413:
      return 'Message Too Large';
    case 414:
      return 'Request URI Too Long';
    default:
      return 'Rejected';
  }
}

const MAX_LATENCY_MS = 10 * 60_000;
const MAX_DURATION_MS = 24 * 3_600_000;
const MAX_RETRY_AFTER_S = 3_600;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumber(
  problems: string[],
  name: string,
  value: unknown,
  min: number,
  max: number,
): value is number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return true;
  problems.push(`${name} must be a number from ${min} to ${max}`);
  return false;
}

function checkKeys(
  problems: string[],
  name: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      problems.push(`${name}${key} is not a known field (known: ${allowed.join(', ')})`);
  }
}

function parseRateLimit(problems: string[], value: unknown): RateLimitSpec | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push('rateLimit must be an object or null');
    return undefined;
  }
  checkKeys(problems, 'rateLimit.', value, ['untilMs', 'durationMs', 'retryAfterSeconds']);
  const spec: RateLimitSpec = {};
  if (
    value.untilMs !== undefined &&
    checkNumber(problems, 'rateLimit.untilMs', value.untilMs, 0, Number.MAX_SAFE_INTEGER)
  )
    spec.untilMs = value.untilMs;
  if (
    value.durationMs !== undefined &&
    checkNumber(problems, 'rateLimit.durationMs', value.durationMs, 1, MAX_DURATION_MS)
  )
    spec.durationMs = value.durationMs;
  if (spec.untilMs !== undefined && spec.durationMs !== undefined)
    problems.push('rateLimit takes untilMs or durationMs, not both');
  const retry = value.retryAfterSeconds;
  if (
    retry !== undefined &&
    checkNumber(problems, 'rateLimit.retryAfterSeconds', retry, 0, MAX_RETRY_AFTER_S)
  ) {
    if (Number.isInteger(retry)) spec.retryAfterSeconds = retry;
    else problems.push('rateLimit.retryAfterSeconds must be a whole number');
  }
  return spec;
}

function parseOutage(problems: string[], value: unknown): { durationMs: number } | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push('outage must be an object or null');
    return undefined;
  }
  checkKeys(problems, 'outage.', value, ['durationMs']);
  return checkNumber(problems, 'outage.durationMs', value.durationMs, 1, MAX_DURATION_MS)
    ? { durationMs: value.durationMs }
    : undefined;
}

function parseRejection(problems: string[], value: unknown): PublishRejectionSpec | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push('rejectPublishes must be an object or null');
    return undefined;
  }
  checkKeys(problems, 'rejectPublishes.', value, ['status', 'message', 'untilMs', 'durationMs']);
  const status = value.status;
  const statusOk =
    checkNumber(problems, 'rejectPublishes.status', status, 400, 499) &&
    (Number.isInteger(status) && status !== 429
      ? true
      : (problems.push('rejectPublishes.status must be a whole number other than 429 (see rateLimit)'),
        false));
  const spec: PublishRejectionSpec = { status: statusOk ? status : 0 };
  if (value.message !== undefined) {
    if (typeof value.message === 'string' && value.message.length > 0 && value.message.length <= 200)
      spec.message = value.message;
    else problems.push('rejectPublishes.message must be a string of 1 to 200 characters');
  }
  if (
    value.untilMs !== undefined &&
    checkNumber(problems, 'rejectPublishes.untilMs', value.untilMs, 0, Number.MAX_SAFE_INTEGER)
  )
    spec.untilMs = value.untilMs;
  if (
    value.durationMs !== undefined &&
    checkNumber(problems, 'rejectPublishes.durationMs', value.durationMs, 1, MAX_DURATION_MS)
  )
    spec.durationMs = value.durationMs;
  if (spec.untilMs !== undefined && spec.durationMs !== undefined)
    problems.push('rejectPublishes takes untilMs or durationMs, not both');
  return spec;
}

/** Validates untrusted input (an admin request body); reports every problem at once. */
export function parseFaultSpec(
  input: unknown,
): { ok: true; spec: FaultSpec } | { ok: false; problems: string[] } {
  if (!isRecord(input)) return { ok: false, problems: ['faults must be a JSON object'] };
  const problems: string[] = [];
  checkKeys(problems, '', input, [
    'latencyMs',
    'errorRate',
    'rateLimit',
    'outage',
    'rejectPublishes',
    'deliveries',
    'cutSubscribers',
  ]);
  const spec: FaultSpec = {};
  if (input.latencyMs !== undefined && checkNumber(problems, 'latencyMs', input.latencyMs, 0, MAX_LATENCY_MS))
    spec.latencyMs = input.latencyMs;
  if (input.errorRate !== undefined && checkNumber(problems, 'errorRate', input.errorRate, 0, 1))
    spec.errorRate = input.errorRate;
  if (input.rateLimit !== undefined) {
    const rateLimit = parseRateLimit(problems, input.rateLimit);
    if (rateLimit !== undefined) spec.rateLimit = rateLimit;
  }
  if (input.outage !== undefined) {
    const outage = parseOutage(problems, input.outage);
    if (outage !== undefined) spec.outage = outage;
  }
  if (input.rejectPublishes !== undefined) {
    const rejection = parseRejection(problems, input.rejectPublishes);
    if (rejection !== undefined) spec.rejectPublishes = rejection;
  }
  if (input.deliveries !== undefined) {
    const deliveries = parseDeliveryFaults(problems, input.deliveries);
    if (deliveries !== undefined) spec.deliveries = deliveries;
  }
  if (input.cutSubscribers !== undefined) {
    const cut = parseCut(problems, input.cutSubscribers);
    if (cut !== undefined) spec.cutSubscribers = cut;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec };
}

/** Fields present in `spec` replace the current ones; absent fields stay as they are. */
export function applyFaultSpec(current: ActiveFaults, spec: FaultSpec, nowMs: number): ActiveFaults {
  const next: ActiveFaults = { ...current };
  if (spec.latencyMs !== undefined) next.latencyMs = spec.latencyMs;
  if (spec.errorRate !== undefined) next.errorRate = spec.errorRate;
  if (spec.rateLimit !== undefined) {
    const r = spec.rateLimit;
    next.rateLimit =
      r === null
        ? null
        : {
            untilMs: r.untilMs ?? (r.durationMs !== undefined ? nowMs + r.durationMs : null),
            retryAfterSeconds: r.retryAfterSeconds ?? 1,
          };
  }
  if (spec.outage !== undefined)
    next.outage = spec.outage === null ? null : { untilMs: nowMs + spec.outage.durationMs };
  if (spec.rejectPublishes !== undefined) {
    const r = spec.rejectPublishes;
    next.rejectPublishes =
      r === null
        ? null
        : {
            status: r.status,
            message: r.message ?? defaultRejectionMessage(r.status),
            untilMs: r.untilMs ?? (r.durationMs !== undefined ? nowMs + r.durationMs : null),
          };
  }
  if (spec.deliveries !== undefined)
    next.deliveries = spec.deliveries === null ? null : activeDeliveryFaults(spec.deliveries);
  if (spec.cutSubscribers !== undefined)
    next.cutSubscribers = spec.cutSubscribers === null ? null : activeCut(spec.cutSubscribers, nowMs);
  return Object.freeze(next);
}

/** Drops windows that have ended, so stats show what is really in force. */
export function pruneExpired(active: ActiveFaults, nowMs: number): ActiveFaults {
  const rateLimitOver = active.rateLimit?.untilMs != null && active.rateLimit.untilMs <= nowMs;
  const outageOver = active.outage !== null && active.outage.untilMs <= nowMs;
  const rejectionOver = active.rejectPublishes?.untilMs != null && active.rejectPublishes.untilMs <= nowMs;
  const cutOver = active.cutSubscribers !== null && active.cutSubscribers.untilMs <= nowMs;
  if (!rateLimitOver && !outageOver && !rejectionOver && !cutOver) return active;
  return Object.freeze({
    ...active,
    rateLimit: rateLimitOver ? null : active.rateLimit,
    outage: outageOver ? null : active.outage,
    rejectPublishes: rejectionOver ? null : active.rejectPublishes,
    cutSubscribers: cutOver ? null : active.cutSubscribers,
  });
}

/**
 * A storm answers every request 429; then a publish rejection answers every
 * publish (`isPublish`) with its status; otherwise `errorRate` of requests get a 500.
 */
export function decideFault(
  active: ActiveFaults,
  nowMs: number,
  random: () => number,
  isPublish = false,
): FaultDecision {
  const storm = active.rateLimit;
  if (storm && (storm.untilMs === null || storm.untilMs > nowMs)) {
    return { kind: 'rateLimit', retryAfterSeconds: storm.retryAfterSeconds };
  }
  const rejection = active.rejectPublishes;
  if (isPublish && rejection && (rejection.untilMs === null || rejection.untilMs > nowMs)) {
    return { kind: 'rejectPublish', status: rejection.status, message: rejection.message };
  }
  if (active.errorRate > 0 && random() < active.errorRate) return { kind: 'error' };
  return { kind: 'pass' };
}
