import {
  describeSpec,
  isPaused,
  pausable,
  type ControlAcknowledgement,
  type ControlSourceStatus,
  type ControlSpec,
  type ControlState,
  type Pausable,
} from '@sketchyaf/control';

// Pure: replica acknowledgements against the desired state, and the
// RealtimeControl `status` written from them.

/** A replica whose `/control` the operator reads. */
export interface ReplicaTarget {
  /** broadcaster | relay | timer-monitor (the chart's component label, or which URL list). */
  component: string;
  /** The pod name in a cluster; the URL outside one. */
  name: string;
  url: string;
}

export type ReplicaAnswer =
  { target: ReplicaTarget; ack: ControlAcknowledgement } | { target: ReplicaTarget; error: string };

export type ReplicaControlState = 'applied' | 'pending' | 'unreachable';

export interface ControlReplicaReport {
  /** What the replica calls itself (POD_NAME), else the target's name. */
  name: string;
  component: string;
  url: string;
  state: ReplicaControlState;
  appliedGeneration: number | null;
  appliedAt: string | null;
  detail: string;
}

export interface ControlReport {
  source: ControlSourceStatus;
  generation: number;
  revision: string;
  spec: ControlSpec;
  /** `broadcasting paused, timers enabled, …`. */
  summary: string;
  paused: Pausable[];
  replicas: ControlReplicaReport[];
  /** Every replica runs this generation (and revision) with its effects settled. */
  applied: boolean;
  message: string;
  /** Finding the replicas failed (e.g. the Kubernetes API refused to list pods). */
  discoveryError: string | null;
  checkedAt: string;
}

function replicaReport(answer: ReplicaAnswer, desired: ControlState): ControlReplicaReport {
  const { target } = answer;
  if ('error' in answer)
    return {
      name: target.name,
      component: target.component,
      url: target.url,
      state: 'unreachable',
      appliedGeneration: null,
      appliedAt: null,
      detail: answer.error,
    };
  const { ack } = answer;
  const applied = ack.applied;
  const done =
    applied !== null && applied.generation === desired.generation && applied.revision === desired.revision;
  let detail: string;
  if (done) detail = `applied generation ${desired.generation}`;
  else if (ack.source.error !== null) detail = ack.source.error;
  else if (applied === null) detail = 'nothing applied yet';
  else if (ack.desired.generation !== desired.generation || ack.desired.revision !== desired.revision)
    detail = `has not read generation ${desired.generation} yet (sees ${ack.desired.generation})`;
  else detail = `applying generation ${desired.generation} (work in flight settling)`;
  return {
    name: ack.replica,
    component: target.component,
    url: target.url,
    state: done ? 'applied' : 'pending',
    appliedGeneration: applied?.generation ?? null,
    appliedAt: applied?.at ?? null,
    detail,
  };
}

export interface SummarizeInput {
  desired: ControlState;
  source: ControlSourceStatus;
  answers: readonly ReplicaAnswer[];
  discoveryError: string | null;
  now: number;
}

export function summarizeControl(input: SummarizeInput): ControlReport {
  const { desired } = input;
  const replicas = input.answers
    .map((a) => replicaReport(a, desired))
    .sort((a, b) => a.component.localeCompare(b.component) || a.name.localeCompare(b.name));
  const done = replicas.filter((r) => r.state === 'applied').length;
  const applied = input.discoveryError === null && done === replicas.length;
  let message: string;
  if (input.discoveryError !== null) message = `cannot find the replicas: ${input.discoveryError}`;
  else if (replicas.length === 0) message = 'no replica to acknowledge';
  else if (applied) message = `all ${replicas.length} replicas applied generation ${desired.generation}`;
  else {
    const waiting = replicas.filter((r) => r.state !== 'applied').map((r) => `${r.name} (${r.detail})`);
    message = `${done} of ${replicas.length} replicas applied generation ${desired.generation}; waiting for ${waiting.join(', ')}`;
  }
  return {
    source: input.source,
    generation: desired.generation,
    revision: desired.revision,
    spec: desired.spec,
    summary: describeSpec(desired.spec),
    paused: pausable.filter((what) => isPaused(desired.spec, what)),
    replicas,
    applied,
    message,
    discoveryError: input.discoveryError,
    checkedAt: new Date(input.now).toISOString(),
  };
}

export interface Condition {
  type: 'Applied' | 'Paused';
  status: 'True' | 'False';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface ControlStatus {
  observedGeneration: number;
  conditions: Condition[];
  replicas: {
    name: string;
    component: string;
    state: ReplicaControlState;
    appliedGeneration?: number;
    appliedAt?: string;
  }[];
}

/** The RealtimeControl `status`; a condition keeps its lastTransitionTime while its status stays. */
export function controlStatus(report: ControlReport, previous: readonly Condition[]): ControlStatus {
  const condition = (type: Condition['type'], on: boolean, reason: string, message: string): Condition => {
    const status = on ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      observedGeneration: report.generation,
      lastTransitionTime:
        before && before.status === status
          ? before.lastTransitionTime
          : report.checkedAt.replace(/\.\d+Z$/, 'Z'),
    };
  };
  const appliedReason =
    report.discoveryError !== null
      ? 'DiscoveryFailed'
      : report.applied
        ? 'AllReplicasApplied'
        : 'ReplicasPending';
  return {
    observedGeneration: report.generation,
    conditions: [
      condition('Applied', report.applied, appliedReason, report.message),
      condition(
        'Paused',
        report.paused.length > 0,
        report.paused.length > 0 ? 'Paused' : 'Running',
        report.paused.length > 0 ? `${report.paused.join(', ')} paused` : 'nothing paused',
      ),
    ],
    replicas: report.replicas.map((r) => ({
      name: r.name,
      component: r.component,
      state: r.state,
      ...(r.appliedGeneration !== null ? { appliedGeneration: r.appliedGeneration } : {}),
      ...(r.appliedAt !== null ? { appliedAt: r.appliedAt } : {}),
    })),
  };
}
