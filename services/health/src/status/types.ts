// The shapes of one round of checks: what /api/health returns and the page shows.
import type { ControlReport } from '../control/controlReport.ts';

/** The dependencies with a `component_up` series (docs/metrics.md). */
export const componentNames = ['postgres', 'redis', 'pubnub', 'broadcaster', 'timer-monitor'] as const;
export type ComponentName = (typeof componentNames)[number];

/** How people read the names (reasons, the page). */
export const componentLabels: Record<ComponentName, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  pubnub: 'PubNub',
  broadcaster: 'Broadcaster',
  'timer-monitor': 'Timer monitor',
};

/** Green, amber, red; `off` for a component this installation does not use. */
export type Level = 'up' | 'degraded' | 'down' | 'off';
export type OverallStatus = 'ok' | 'degraded' | 'down';

/** One thing probed inside a component: a replica, a Redis node, an endpoint. */
export interface ItemReport {
  name: string;
  level: Level;
  detail: string;
}

export interface ComponentReport {
  level: Level;
  /** One line a person can act on. */
  summary: string;
  items: ItemReport[];
}

/** The result of one probe (a ping, an HTTP call). */
export type ProbeOutcome =
  { ok: true; ms: number; detail?: string } | { ok: false; ms: number; error: string };

export interface OutboxReport {
  /** Unpublished, not dead-lettered events; capped (see `backlogCapped`). */
  backlog: number;
  backlogCapped: boolean;
  oldestAgeSeconds: number;
  deadLetters: number;
}

export interface GamesReport {
  /** Games more than 1 s past their phase deadline. */
  overdue: number;
  oldestOverdueSeconds: number;
}

export interface DeploymentReport {
  name: string;
  component: string | null;
  level: Level;
  desired: number;
  ready: number;
  available: number;
  updated: number;
  generation: number;
  observedGeneration: number;
  images: string[];
  version: string | null;
  detail: string;
}

export interface ClusterReport {
  inCluster: true;
  namespace: string;
  labelSelector: string;
  level: Level;
  detail: string;
  deployments: DeploymentReport[];
}

export type KubernetesReport = { inCluster: false; detail: string } | ClusterReport;

export interface SliReport {
  key: 'canary_delivery' | 'canary_latency_p95' | 'timer_lag_p99' | 'outbox_oldest_age';
  label: string;
  /** null: no data in the window. */
  value: number | null;
  display: string;
  objective: string;
  level: Level;
  /** What the number covers, e.g. "last 5 min, 60 canaries". */
  basis: string;
}

export interface CanaryReport {
  enabled: boolean;
  channel: string;
  subscriber: 'connecting' | 'connected' | 'disconnected' | 'off';
  sent: number;
  received: number;
  lost: number;
  late: number;
  postFailures: number;
  inFlight: number;
  lastReceivedAt: string | null;
  lastLatencyMs: number | null;
  lastError: string | null;
}

export interface Incident {
  at: string;
  subject: string;
  from: Level | OverallStatus | 'unknown';
  to: Level | OverallStatus;
  detail: string;
}

export interface HealthReport {
  status: OverallStatus;
  reasons: string[];
  checkedAt: string;
  checkDurationMs: number;
  components: Record<ComponentName, ComponentReport>;
  outbox: OutboxReport | null;
  games: GamesReport | null;
  kubernetes: KubernetesReport;
  slis: SliReport[];
  canary: CanaryReport;
  incidents: Incident[];
  /** Runtime control: the desired state and which replicas applied it; null before the first round. */
  control: ControlReport | null;
}
