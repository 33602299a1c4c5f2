import { z } from 'zod';
import { parseControlSpec, type ControlSpec } from './controlSpec.ts';
import type { ControlSourceStatus } from './controlSource.ts';

/** What one replica answers on `GET /control`. */
export interface ControlAcknowledgement {
  /** POD_NAME in a cluster, else host and process id. */
  replica: string;
  /** broadcaster | relay | timer-monitor (what the replica runs). */
  component: string;
  source: ControlSourceStatus;
  /** The latest state the source holds. */
  desired: { generation: number; revision: string };
  /** The state in force, once its effects have settled; null before the first. */
  applied: { generation: number; revision: string; at: string; spec: ControlSpec } | null;
}

const sourceSchema = z.object({
  kind: z.enum(['file', 'kubernetes', 'static']),
  location: z.string(),
  synced: z.boolean(),
  error: z.string().nullable(),
});

const versionSchema = z.object({ generation: z.number().int().min(0), revision: z.string() });

const acknowledgementSchema = z.object({
  replica: z.string().min(1),
  component: z.string().min(1),
  source: sourceSchema,
  desired: versionSchema,
  applied: versionSchema.extend({ at: z.string(), spec: z.unknown() }).nullable(),
});

/** Validates an acknowledgement read from a replica; null when it is not one. */
export function parseAcknowledgement(value: unknown): ControlAcknowledgement | null {
  const result = acknowledgementSchema.safeParse(value);
  if (!result.success) return null;
  const { applied, ...rest } = result.data;
  if (applied === null) return { ...rest, applied: null };
  const spec = parseControlSpec(applied.spec);
  if (!spec.ok) return null;
  return { ...rest, applied: { ...applied, spec: spec.spec } };
}
