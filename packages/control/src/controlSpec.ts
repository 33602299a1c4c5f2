import { createHash } from 'node:crypto';
import { z } from 'zod';

// The desired runtime state of the pipeline: `spec` of the RealtimeControl
// resource (k8s/crds/realtimecontrol.yaml) or of the CONTROL_FILE. Pure.

export const broadcastingModes = ['enabled', 'paused'] as const;
export const timerModes = ['enabled', 'paused'] as const;
export const ingestModes = ['enabled', 'read-only'] as const;

export type BroadcastingMode = (typeof broadcastingModes)[number];
export type TimerMode = (typeof timerModes)[number];
export type IngestMode = (typeof ingestModes)[number];

export interface RelayControl {
  /** Most publishes in flight per relay replica; null: the replica's RELAY_CONCURRENCY. */
  concurrency: number | null;
  /** Publishes per second per relay replica; null: unlimited. */
  publishRatePerSecond: number | null;
}

export interface ControlSpec {
  /** paused: relays claim and publish nothing; events wait in the outbox. */
  broadcasting: BroadcastingMode;
  /** paused: timer monitors make no timed transition; games wait past their deadline. */
  timers: TimerMode;
  /** read-only: the ingest API answers writes with 503 and Retry-After. */
  ingest: IngestMode;
  /** Retry-After of those 503s, in seconds. */
  ingestRetryAfterSeconds: number;
  relay: RelayControl;
  /** Why, for people (status page, `control status`). */
  note: string | null;
}

export const controlLimits = Object.freeze({
  concurrency: { min: 1, max: 1024 },
  publishRatePerSecond: { min: 0.1, max: 100_000 },
  ingestRetryAfterSeconds: { min: 1, max: 3600, default: 30 },
  noteLength: 500,
});

export const defaultControlSpec: ControlSpec = Object.freeze({
  broadcasting: 'enabled',
  timers: 'enabled',
  ingest: 'enabled',
  ingestRetryAfterSeconds: controlLimits.ingestRetryAfterSeconds.default,
  relay: Object.freeze({ concurrency: null, publishRatePerSecond: null }),
  note: null,
});

const { concurrency, publishRatePerSecond, ingestRetryAfterSeconds } = controlLimits;

const relaySchema = z.strictObject({
  concurrency: z.number().int().min(concurrency.min).max(concurrency.max).nullish(),
  publishRatePerSecond: z.number().min(publishRatePerSecond.min).max(publishRatePerSecond.max).nullish(),
});

const specSchema = z.strictObject({
  broadcasting: z.enum(broadcastingModes).nullish(),
  timers: z.enum(timerModes).nullish(),
  ingest: z.enum(ingestModes).nullish(),
  ingestRetryAfterSeconds: z
    .number()
    .int()
    .min(ingestRetryAfterSeconds.min)
    .max(ingestRetryAfterSeconds.max)
    .nullish(),
  relay: relaySchema.nullish(),
  note: z.string().max(controlLimits.noteLength).nullish(),
});

export type SpecResult = { ok: true; spec: ControlSpec } | { ok: false; problems: string[] };

/** Validates a spec (absent fields take their defaults); reports every problem at once. */
export function parseControlSpec(input: unknown): SpecResult {
  const result = specSchema.safeParse(input ?? {});
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => {
        const path = ['spec', ...issue.path.map(String)].join('.');
        return `${path}: ${issue.message}`;
      }),
    };
  }
  const s = result.data;
  const note = s.note?.trim() ?? '';
  return {
    ok: true,
    spec: Object.freeze({
      broadcasting: s.broadcasting ?? defaultControlSpec.broadcasting,
      timers: s.timers ?? defaultControlSpec.timers,
      ingest: s.ingest ?? defaultControlSpec.ingest,
      ingestRetryAfterSeconds: s.ingestRetryAfterSeconds ?? defaultControlSpec.ingestRetryAfterSeconds,
      relay: Object.freeze({
        concurrency: s.relay?.concurrency ?? null,
        publishRatePerSecond: s.relay?.publishRatePerSecond ?? null,
      }),
      note: note === '' ? null : note,
    }),
  };
}

/** The spec as written to a file or resource: defaults left out, so the document stays short. */
export function specDocument(spec: ControlSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    broadcasting: spec.broadcasting,
    timers: spec.timers,
    ingest: spec.ingest,
  };
  if (spec.ingestRetryAfterSeconds !== defaultControlSpec.ingestRetryAfterSeconds)
    out['ingestRetryAfterSeconds'] = spec.ingestRetryAfterSeconds;
  const relay: Record<string, number> = {};
  if (spec.relay.concurrency !== null) relay['concurrency'] = spec.relay.concurrency;
  if (spec.relay.publishRatePerSecond !== null)
    relay['publishRatePerSecond'] = spec.relay.publishRatePerSecond;
  if (Object.keys(relay).length > 0) out['relay'] = relay;
  if (spec.note !== null) out['note'] = spec.note;
  return out;
}

/**
 * A short hash of the normalized spec: two replicas that applied the same
 * revision run under the same settings, whatever the generation says (a file
 * edited by hand may keep its generation).
 */
export function specRevision(spec: ControlSpec): string {
  const canonical = JSON.stringify([
    spec.broadcasting,
    spec.timers,
    spec.ingest,
    spec.ingestRetryAfterSeconds,
    spec.relay.concurrency,
    spec.relay.publishRatePerSecond,
    spec.note,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** What is paused, for the `control_paused{what}` gauge and the status page. */
export const pausable = ['broadcasting', 'timers', 'ingest'] as const;
export type Pausable = (typeof pausable)[number];

export function isPaused(spec: ControlSpec, what: Pausable): boolean {
  if (what === 'ingest') return spec.ingest === 'read-only';
  return spec[what] === 'paused';
}

/** One line: `broadcasting paused, timers enabled, ingest enabled, relay concurrency 4`. */
export function describeSpec(spec: ControlSpec): string {
  const parts = [`broadcasting ${spec.broadcasting}`, `timers ${spec.timers}`, `ingest ${spec.ingest}`];
  if (spec.relay.concurrency !== null) parts.push(`relay concurrency ${spec.relay.concurrency}`);
  if (spec.relay.publishRatePerSecond !== null) parts.push(`relay rate ${spec.relay.publishRatePerSecond}/s`);
  return parts.join(', ');
}
