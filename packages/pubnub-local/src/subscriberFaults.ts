import { createHash } from 'node:crypto';

/**
 * Faults on the subscriber side, as data and pure decisions: deliveries
 * dropped or duplicated, subscribers cut off for a window. A delivery's fate
 * is a hash of (seed, subscriber uuid, timetoken, channel), not a draw from a
 * running generator: the same seed gives the same fates whatever the timing
 * of the polls, and a poll repeated with the same `tt` meets the same fate.
 */
export interface DeliveryFaultSpec {
  /** Share of deliveries left out of a subscriber's answer (lost for it: the cursor moves past them), 0 to 1. */
  dropRate?: number;
  /** Share of deliveries sent twice in the same answer, 0 to 1. */
  duplicateRate?: number;
  /** Integer; default 1. */
  seed?: number;
  /** Only these subscribers (SDK user ids); absent = every subscriber. */
  uuids?: string[];
}

export interface CutSpec {
  /** How long from now subscribes of the chosen subscribers are cut. */
  durationMs: number;
  /** Only these subscribers; absent = every subscriber. */
  uuids?: string[];
}

export interface ActiveDeliveryFaults {
  dropRate: number;
  duplicateRate: number;
  seed: number;
  uuids: string[] | null;
}

export interface ActiveCut {
  untilMs: number;
  uuids: string[] | null;
}

export type DeliveryFate = 'deliver' | 'drop' | 'duplicate';

const MAX_DURATION_MS = 24 * 3_600_000;
const MAX_UUIDS = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(
  problems: string[],
  name: string,
  value: Record<string, unknown>,
  allowed: string[],
): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key))
      problems.push(`${name}.${key} is not a known field (known: ${allowed.join(', ')})`);
}

function rate(problems: string[], name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1) return value;
  problems.push(`${name} must be a number from 0 to 1`);
  return undefined;
}

function uuidList(problems: string[], name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_UUIDS &&
    value.every((u) => typeof u === 'string' && u.length > 0 && u.length <= 92)
  )
    return value as string[];
  problems.push(`${name} must be 1 to ${MAX_UUIDS} user ids (strings of 1 to 92 characters)`);
  return undefined;
}

export function parseDeliveryFaults(
  problems: string[],
  value: unknown,
): DeliveryFaultSpec | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push('deliveries must be an object or null');
    return undefined;
  }
  unknownKeys(problems, 'deliveries', value, ['dropRate', 'duplicateRate', 'seed', 'uuids']);
  const spec: DeliveryFaultSpec = {};
  const drop = rate(problems, 'deliveries.dropRate', value.dropRate);
  if (drop !== undefined) spec.dropRate = drop;
  const duplicate = rate(problems, 'deliveries.duplicateRate', value.duplicateRate);
  if (duplicate !== undefined) spec.duplicateRate = duplicate;
  if ((spec.dropRate ?? 0) + (spec.duplicateRate ?? 0) > 1)
    problems.push('deliveries.dropRate + deliveries.duplicateRate must be at most 1');
  if (value.seed !== undefined) {
    if (Number.isSafeInteger(value.seed)) spec.seed = value.seed as number;
    else problems.push('deliveries.seed must be a whole number');
  }
  const uuids = uuidList(problems, 'deliveries.uuids', value.uuids);
  if (uuids !== undefined) spec.uuids = uuids;
  return spec;
}

export function parseCut(problems: string[], value: unknown): CutSpec | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push('cutSubscribers must be an object or null');
    return undefined;
  }
  unknownKeys(problems, 'cutSubscribers', value, ['durationMs', 'uuids']);
  const duration = value.durationMs;
  const ok =
    typeof duration === 'number' && Number.isFinite(duration) && duration >= 1 && duration <= MAX_DURATION_MS;
  if (!ok) problems.push(`cutSubscribers.durationMs must be a number from 1 to ${MAX_DURATION_MS}`);
  const uuids = uuidList(problems, 'cutSubscribers.uuids', value.uuids);
  if (!ok) return undefined;
  return uuids === undefined ? { durationMs: duration } : { durationMs: duration, uuids };
}

export function activeDeliveryFaults(spec: DeliveryFaultSpec): ActiveDeliveryFaults {
  return {
    dropRate: spec.dropRate ?? 0,
    duplicateRate: spec.duplicateRate ?? 0,
    seed: spec.seed ?? 1,
    uuids: spec.uuids ?? null,
  };
}

export function activeCut(spec: CutSpec, nowMs: number): ActiveCut {
  return { untilMs: nowMs + spec.durationMs, uuids: spec.uuids ?? null };
}

function targets(uuids: string[] | null, uuid: string | null): boolean {
  return uuids === null || (uuid !== null && uuids.includes(uuid));
}

/** A number in [0, 1) from the hash of `parts`. */
function unitHash(parts: string): number {
  return createHash('sha256').update(parts).digest().readUInt32BE(0) / 2 ** 32;
}

/** What happens to one delivery of `channel` at timetoken `tt` to subscriber `uuid`. */
export function deliveryFate(
  faults: ActiveDeliveryFaults | null,
  uuid: string | null,
  tt: bigint,
  channel: string,
): DeliveryFate {
  if (faults === null || !targets(faults.uuids, uuid)) return 'deliver';
  if (faults.dropRate === 0 && faults.duplicateRate === 0) return 'deliver';
  // One draw split in bands: drop and duplicate never both apply.
  const draw = unitHash(`${faults.seed}\n${uuid ?? ''}\n${tt}\n${channel}`);
  if (draw < faults.dropRate) return 'drop';
  if (draw < faults.dropRate + faults.duplicateRate) return 'duplicate';
  return 'deliver';
}

/** The answer a subscriber gets for `found`, with each delivery's fate applied, and what was done. */
export function applyDeliveryFaults<T>(
  faults: ActiveDeliveryFaults | null,
  uuid: string | null,
  found: readonly { tt: bigint; channel: string; item: T }[],
): { items: T[]; dropped: number; duplicated: number } {
  const items: T[] = [];
  let dropped = 0;
  let duplicated = 0;
  for (const f of found) {
    const fate = deliveryFate(faults, uuid, f.tt, f.channel);
    if (fate === 'drop') {
      dropped++;
      continue;
    }
    items.push(f.item);
    if (fate === 'duplicate') {
      items.push(f.item);
      duplicated++;
    }
  }
  return { items, dropped, duplicated };
}

/** Whether subscribes of `uuid` are cut at `nowMs`. */
export function isCut(cut: ActiveCut | null, uuid: string | null, nowMs: number): boolean {
  return cut !== null && cut.untilMs > nowMs && targets(cut.uuids, uuid);
}
