import type { ProbeOutcome } from '../status/types.ts';
import { parseMetricsText, type Sample } from '../status/promText.ts';
import { fetchMetricsText, probeReadyz } from './httpProbes.ts';

export interface ReplicaProbe {
  url: string;
  role?: string;
  readiness: ProbeOutcome;
  /** Parsed /metrics; undefined when unreadable. */
  samples: Sample[] | undefined;
}

/** /readyz and /metrics of each URL, all in parallel. */
export function probeReplicas(
  urls: readonly string[],
  timeoutMs: number,
  role?: string,
): Promise<ReplicaProbe[]> {
  return Promise.all(
    urls.map(async (url) => {
      const [readiness, text] = await Promise.all([
        probeReadyz(url, timeoutMs),
        fetchMetricsText(url, timeoutMs),
      ]);
      const probe: ReplicaProbe = {
        url,
        readiness,
        samples: text === undefined ? undefined : parseMetricsText(text),
      };
      if (role !== undefined) probe.role = role;
      return probe;
    }),
  );
}
