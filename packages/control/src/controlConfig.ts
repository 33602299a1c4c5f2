import { hostname } from 'node:os';
import { z } from 'zod';
import { intField } from '@sketchyaf/core';

/**
 * Runtime control settings every service reads: CONTROL_FILE outside a
 * cluster, CONTROL_RESOURCE (the RealtimeControl's name, set by the chart) in
 * one; neither: defaults, nothing to watch.
 */
export const controlEnvShape = {
  CONTROL_FILE: z.string().min(1).optional(),
  CONTROL_RESOURCE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Kubernetes object name')
    .optional(),
  CONTROL_RESYNC_MS: intField({ min: 100, max: 600_000, default: 1000 }),
  // Downward API in the chart; identifies the replica in acknowledgements.
  POD_NAME: z.string().min(1).optional(),
  POD_NAMESPACE: z.string().min(1).optional(),
};

export type ControlSettings =
  | { kind: 'file'; path: string; resyncMs: number; replica: string }
  | { kind: 'kubernetes'; name: string; namespace: string | null; resyncMs: number; replica: string }
  | { kind: 'static'; replica: string };

/** From the parsed environment; CONTROL_FILE wins over CONTROL_RESOURCE. */
export function controlSettingsOf(c: {
  CONTROL_FILE?: string | undefined;
  CONTROL_RESOURCE?: string | undefined;
  CONTROL_RESYNC_MS: number;
  POD_NAME?: string | undefined;
  POD_NAMESPACE?: string | undefined;
}): ControlSettings {
  const replica = c.POD_NAME ?? `${hostname()}-${process.pid}`;
  if (c.CONTROL_FILE !== undefined)
    return Object.freeze({ kind: 'file', path: c.CONTROL_FILE, resyncMs: c.CONTROL_RESYNC_MS, replica });
  if (c.CONTROL_RESOURCE !== undefined)
    return Object.freeze({
      kind: 'kubernetes',
      name: c.CONTROL_RESOURCE,
      namespace: c.POD_NAMESPACE ?? null,
      resyncMs: c.CONTROL_RESYNC_MS,
      replica,
    });
  return Object.freeze({ kind: 'static', replica });
}
