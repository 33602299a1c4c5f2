import type { ProbeOutcome } from '../status/types.ts';
import { timedProbe } from './probe.ts';

interface ReadinessBody {
  checks?: Record<string, { ok?: boolean; detail?: string }>;
}

/** Names the failing checks of a /readyz body, e.g. `database: no answer within 1500 ms`. */
export function failingChecks(body: unknown): string {
  const checks = (body as ReadinessBody | null)?.checks;
  if (typeof checks !== 'object' || checks === null) return '';
  return Object.entries(checks)
    .filter(([, c]) => c.ok !== true)
    .map(([name, c]) => (c.detail ? `${name}: ${c.detail}` : name))
    .join('; ');
}

/** A replica's /readyz: 200 is ready; anything else names its failing checks. */
export function probeReadyz(baseUrl: string, timeoutMs: number): Promise<ProbeOutcome> {
  return timedProbe(timeoutMs, async (signal) => {
    const res = await fetch(`${baseUrl}/readyz`, { signal, headers: { accept: 'application/json' } });
    const text = await res.text();
    if (res.status === 200) return 'ready';
    let why = '';
    try {
      why = failingChecks(JSON.parse(text) as unknown);
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`/readyz answered ${res.status}${why ? `: ${why}` : ''}`);
  });
}

/** A replica's /metrics text; undefined when it cannot be read in time. */
export async function fetchMetricsText(baseUrl: string, timeoutMs: number): Promise<string | undefined> {
  let text: string | undefined;
  const outcome = await timedProbe(timeoutMs, async (signal) => {
    const res = await fetch(`${baseUrl}/metrics`, { signal });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    text = body;
    return undefined;
  });
  return outcome.ok ? text : undefined;
}

/** PubNub reachability: `GET <origin>/time/0` answers 200 with `[<timetoken>]`. */
export function probePubnubTime(originUrl: string, userId: string, timeoutMs: number): Promise<ProbeOutcome> {
  return timedProbe(timeoutMs, async (signal) => {
    const res = await fetch(`${originUrl}/time/0?uuid=${encodeURIComponent(userId)}`, { signal });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`/time/0 answered ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new Error('/time/0 answered something other than JSON');
    }
    if (!Array.isArray(body) || typeof body[0] !== 'number') throw new Error('/time/0 answered no timetoken');
    return 'time answered';
  });
}
