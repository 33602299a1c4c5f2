import type { ComponentReport, ItemReport, Level, ProbeOutcome } from './types.ts';

// Pure: turns probe outcomes into a level and a line a person can act on.

/** A ping slower than this is amber: answering, but something is wrong. */
export const slowPingMs = 500;

export type CircuitState = 'closed' | 'half_open' | 'open';

function item(name: string, outcome: ProbeOutcome, okDetail?: string): ItemReport {
  if (!outcome.ok) return { name, level: 'down', detail: outcome.error };
  const slow = outcome.ms >= slowPingMs;
  const base = okDetail ?? outcome.detail ?? 'ok';
  return { name, level: slow ? 'degraded' : 'up', detail: `${base} (${Math.round(outcome.ms)} ms)` };
}

export function postgresReport(ping: ProbeOutcome): ComponentReport {
  const it = item('ping', ping, 'SELECT 1');
  const summary =
    it.level === 'down'
      ? `unreachable: ${it.detail}`
      : it.level === 'degraded'
        ? `slow: ${it.detail}`
        : `answering: ${it.detail}`;
  return { level: it.level, summary, items: [it] };
}

/** `redis://user:secret@host:6379/0` → `host:6379`: never show credentials. */
export function redisNodeName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'redis node';
  }
}

export function redisReport(
  nodes: readonly { url: string; outcome: ProbeOutcome }[] | null,
): ComponentReport {
  if (nodes === null || nodes.length === 0)
    return { level: 'off', summary: 'not configured (REDIS_URL unset: no shard leases)', items: [] };
  const items = nodes.map((n) => item(redisNodeName(n.url), n.outcome, 'PONG'));
  const answering = items.filter((i) => i.level !== 'down').length;
  const quorum = Math.floor(nodes.length / 2) + 1;
  const total = nodes.length;
  if (answering === total && items.every((i) => i.level === 'up'))
    return { level: 'up', summary: `${total} of ${total} nodes answer PING`, items };
  if (answering >= quorum)
    return {
      level: 'degraded',
      summary: `${answering} of ${total} nodes answer PING (quorum ${quorum} still held)`,
      items,
    };
  return {
    level: 'down',
    summary: `${answering} of ${total} nodes answer PING: no quorum (${quorum}), shard leases cannot be renewed`,
    items,
  };
}

export interface CircuitReading {
  /** The replica the gauge was read from. */
  replica: string;
  state: CircuitState | null;
}

export function circuitStateOf(value: number | undefined): CircuitState | null {
  if (value === 0) return 'closed';
  if (value === 1) return 'half_open';
  if (value === 2) return 'open';
  return null;
}

/**
 * PubNub: reachable (GET /time/0) and able to take publishes (the relays'
 * circuit breakers). Unreachable, or every known circuit open, is red.
 */
export function pubnubReport(
  time: ProbeOutcome,
  circuits: readonly CircuitReading[],
  originUrl = '',
): ComponentReport {
  const items: ItemReport[] = [item(`GET ${originUrl}/time/0`, time, 'time answered')];
  for (const c of circuits) {
    const level: Level = c.state === 'open' ? 'down' : c.state === 'half_open' ? 'degraded' : 'up';
    items.push({
      name: `circuit at ${c.replica}`,
      level: c.state === null ? 'degraded' : level,
      detail: c.state === null ? 'circuit state unknown (metrics unreadable)' : c.state.replace('_', '-'),
    });
  }
  const known = circuits.filter((c) => c.state !== null);
  const open = known.filter((c) => c.state === 'open').length;
  const halfOpen = known.filter((c) => c.state === 'half_open').length;
  if (!time.ok) return { level: 'down', summary: `unreachable: ${time.error}`, items };
  if (known.length > 0 && open === known.length)
    return {
      level: 'down',
      summary: `reachable, but every relay's circuit is open (${open} of ${known.length}): publishes are failing, events wait in the outbox`,
      items,
    };
  if (open > 0 || halfOpen > 0)
    return {
      level: 'degraded',
      summary: `reachable; circuit open on ${open} and half-open on ${halfOpen} of ${known.length} relays`,
      items,
    };
  if (items[0]?.level === 'degraded')
    return { level: 'degraded', summary: `slow: ${items[0].detail}`, items };
  return {
    level: 'up',
    summary:
      known.length > 0
        ? `reachable; circuit closed on ${known.length} of ${known.length} relays`
        : 'reachable (no relay circuit state known)',
    items,
  };
}

export interface ReplicaOutcome {
  url: string;
  /** e.g. `relay`, when replicas of another Deployment count towards this component. */
  role?: string;
  outcome: ProbeOutcome;
}

/** Every replica's /readyz: all ready green, some amber, none red. */
export function replicasReport(replicas: readonly ReplicaOutcome[]): ComponentReport {
  if (replicas.length === 0) return { level: 'down', summary: 'no URLs configured to check', items: [] };
  const items = replicas.map((r) => {
    const name = r.role ? `${r.role} ${r.url}` : r.url;
    return r.outcome.ok
      ? { name, level: 'up' as const, detail: `ready (${Math.round(r.outcome.ms)} ms)` }
      : { name, level: 'down' as const, detail: r.outcome.error };
  });
  const ready = items.filter((i) => i.level === 'up').length;
  const total = items.length;
  if (ready === total) return { level: 'up', summary: `${ready} of ${total} ready`, items };
  const failing = items.find((i) => i.level === 'down');
  const why = failing ? `: ${failing.name}: ${failing.detail}` : '';
  if (ready > 0) return { level: 'degraded', summary: `${ready} of ${total} ready${why}`, items };
  return { level: 'down', summary: `none of ${total} ready${why}`, items };
}
