export { launchHealth, startHealth, type HealthService, type HealthOverrides } from './service.ts';
export {
  loadHealthConfig,
  developmentDatabaseUrl,
  developmentPubnubOrigin,
  developmentBroadcasterUrl,
  developmentTimerMonitorUrl,
  developmentCanaryToken,
  defaultDeploymentSelector,
  defaultRunbookBaseUrl,
  type HealthConfig,
  type CanarySettings,
} from './config.ts';
export { HealthChecker } from './checker.ts';
export { Canary } from './canary/canary.ts';
export { CanaryTracker, nearestRank, type CanaryWindowStats, type Receipt } from './canary/canaryTracker.ts';
export { parseCanaryMessage } from './canary/canarySubscriber.ts';
export { DeploymentStatusReader, type KubernetesAccess } from './checks/deploymentStatus.ts';
export { createHealthMetrics, type HealthMetrics } from './metrics.ts';
export { IncidentLog } from './status/incidentLog.ts';
export { overallStatus } from './status/overall.ts';
export { computeSlis, objectives, formatSeconds, formatPercent } from './status/slis.ts';
export { deploymentReport, kubernetesReport, type DeploymentLike } from './status/deployments.ts';
export { histogramQuantile, bucketDelta, HistogramWindow } from './status/histogram.ts';
export { parseMetricsText, gaugeValue, histogramBuckets, type Sample } from './status/promText.ts';
export {
  postgresReport,
  redisReport,
  pubnubReport,
  replicasReport,
  redisNodeName,
  circuitStateOf,
} from './status/components.ts';
export { renderStatusPage, type StatusPageInput } from './page/renderStatusPage.ts';
export { escapeHtml, timeAgo, utc } from './page/html.ts';
export * from './status/types.ts';
export {
  summarizeControl,
  controlStatus,
  type ControlReport,
  type ControlReplicaReport,
  type ControlStatus,
  type Condition,
  type ReplicaTarget,
  type ReplicaAnswer,
} from './control/controlReport.ts';
export { ControlOperator, type ControlOperatorOptions } from './control/controlOperator.ts';
export {
  podTargets,
  staticDiscovery,
  kubernetesDiscovery,
  type ReplicaDiscovery,
} from './control/replicaTargets.ts';
export { controlSection } from './page/controlSection.ts';
