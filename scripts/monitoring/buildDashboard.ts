// Builds the Grafana dashboard k8s/monitoring/dashboards/sketchyaf-realtime.json
// from the panel list below (test/monitoring/dashboard.test.ts fails when the
// file is not what this script writes). Every metric named here must be in
// docs/metrics.md or be a standard one.
//
//   npx node scripts/monitoring/buildDashboard.ts      rewrites the JSON file
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { circuitMapping, layout, upDownMapping, type RowSpec } from './grafana.ts';

export const dashboardPath = fileURLToPath(
  new URL('../../k8s/monitoring/dashboards/sketchyaf-realtime.json', import.meta.url),
);

const ns = 'namespace="$namespace"';
const api = `${ns}, route!~"/livez|/readyz|/metrics|/api/health"`;
const containers = `${ns}, container!="", container!="POD"`;
const components = 'component=~"broadcaster|relay|timer-monitor|health"';

function quantile(q: number, metric: string, by: string, selector = ns, range = '$__rate_interval'): string {
  const keys = by === '' ? 'le' : `${by}, le`;
  return `histogram_quantile(${q}, sum by (${keys}) (rate(${metric}_bucket{${selector}}[${range}])))`;
}

const rows: RowSpec[] = [
  {
    title: 'Overview',
    panels: [
      {
        kind: 'stat',
        title: 'Targets up',
        description:
          'Instances answering scrapes, per component (up). 0: the ServiceDown alert fires after 2 minutes.',
        targets: [{ expr: `sum by (component) (up{${ns}, ${components}})`, legend: '{{component}}' }],
        steps: [
          ['red', null],
          ['green', 1],
        ],
      },
      {
        kind: 'stat',
        title: 'Dependencies',
        description: "The health service's check of each component (1 up, 0 down).",
        targets: [
          {
            // The dependency is `exported_component` when scraped without honorLabels (docs/metrics.md, Labels).
            expr: `max by (component) (label_replace(sketchyaf_realtime_component_up{${ns}}, "component", "$1", "exported_component", "(.+)"))`,
            legend: '{{component}}',
          },
        ],
        mappings: [upDownMapping],
        steps: [
          ['red', null],
          ['green', 1],
        ],
      },
      {
        kind: 'stat',
        title: 'Canary delivery (1 h)',
        description: 'Canary events received by the PubNub subscriber / sent. SLO: above 99.5%.',
        unit: 'percentunit',
        decimals: 2,
        targets: [
          {
            expr: `sum(increase(sketchyaf_realtime_canary_received_total{${ns}}[1h])) / sum(increase(sketchyaf_realtime_canary_sent_total{${ns}}[1h]))`,
            legend: 'delivered',
          },
        ],
        steps: [
          ['red', null],
          ['orange', 0.95],
          ['green', 0.995],
        ],
      },
      {
        kind: 'stat',
        title: 'Oldest unpublished event',
        description:
          'Age of the oldest event waiting in realtime_outbox. Warning above 30 s, page above 120 s.',
        unit: 's',
        targets: [
          { expr: `max(sketchyaf_realtime_outbox_oldest_unpublished_age_seconds{${ns}})`, legend: 'age' },
        ],
        steps: [
          ['green', null],
          ['orange', 10],
          ['red', 30],
        ],
      },
      {
        kind: 'stat',
        title: 'Shards without owner',
        description: 'SHARD_COUNT minus the shards held, per component. Above 0 for 2 minutes pages.',
        targets: [
          {
            expr: `max by (component) (sketchyaf_realtime_shard_count{${ns}}) - sum by (component) (sketchyaf_realtime_shards_owned{${ns}})`,
            legend: '{{component}}',
          },
        ],
        steps: [
          ['green', null],
          ['red', 1],
        ],
      },
      {
        kind: 'stat',
        title: 'Dead letters',
        description: 'Events PubNub refused for good, waiting for an operator (runbook OutboxDeadLetters).',
        targets: [{ expr: `max(sketchyaf_realtime_dead_letters{${ns}})`, legend: 'dead letters' }],
        steps: [
          ['green', null],
          ['red', 1],
        ],
      },
      {
        kind: 'stat',
        title: 'PubNub circuit',
        description: 'Worst circuit breaker state over the relay replicas.',
        targets: [{ expr: `max(sketchyaf_realtime_circuit_state{${ns}})`, legend: 'circuit' }],
        mappings: [circuitMapping],
        steps: [
          ['green', null],
          ['orange', 1],
          ['red', 2],
        ],
      },
      {
        kind: 'stat',
        title: 'Firing alerts',
        description: 'Alerts of this namespace firing now, by severity.',
        targets: [
          {
            expr: `sum by (severity) (ALERTS{alertstate="firing", ${ns}, severity!="none"})`,
            legend: '{{severity}}',
          },
        ],
        steps: [
          ['green', null],
          ['orange', 1],
        ],
      },
      {
        kind: 'stat',
        title: 'Timer lag p95 (5 m)',
        description: 'Phase deadline to committed transition. SLO: p95 below 5 s.',
        unit: 's',
        targets: [
          { expr: quantile(0.95, 'sketchyaf_realtime_timer_lag_seconds', '', ns, '5m'), legend: 'p95' },
        ],
        steps: [
          ['green', null],
          ['orange', 1],
          ['red', 5],
        ],
      },
      {
        kind: 'stat',
        title: 'Broadcast latency p95 (5 m)',
        description: 'Outbox commit to PubNub acceptance. SLO: p95 below 2 s.',
        unit: 's',
        targets: [
          { expr: quantile(0.95, 'sketchyaf_realtime_publish_lag_seconds', '', ns, '5m'), legend: 'p95' },
        ],
        steps: [
          ['green', null],
          ['orange', 1],
          ['red', 2],
        ],
      },
      {
        kind: 'stat',
        title: 'Ingest latency p95 (5 m)',
        description: 'POST /v1/events and /v1/events/batch. SLO: p95 below 500 ms.',
        unit: 's',
        targets: [
          {
            expr: quantile(
              0.95,
              'sketchyaf_realtime_http_request_duration_seconds',
              '',
              `${ns}, route=~"/v1/.*"`,
              '5m',
            ),
            legend: 'p95',
          },
        ],
        steps: [
          ['green', null],
          ['orange', 0.25],
          ['red', 0.5],
        ],
      },
      {
        kind: 'stat',
        title: 'API error rate (5 m)',
        description:
          '5xx share of API requests (probes, /metrics and /api/health excluded). SLO: below 0.5%.',
        unit: 'percentunit',
        decimals: 2,
        targets: [
          {
            expr: `sum(rate(sketchyaf_realtime_http_requests_total{${api}, status=~"5.."}[5m])) / sum(rate(sketchyaf_realtime_http_requests_total{${api}}[5m]))`,
            legend: 'errors',
          },
        ],
        steps: [
          ['green', null],
          ['orange', 0.005],
          ['red', 0.01],
        ],
      },
    ],
  },
  {
    title: 'Performance (SLOs)',
    panels: [
      {
        kind: 'timeseries',
        title: 'Timer lag: deadline to committed transition',
        description: 'SLO: p95 below 5 s (dashed line). Normally milliseconds.',
        unit: 's',
        targets: [
          { expr: quantile(0.5, 'sketchyaf_realtime_timer_lag_seconds', ''), legend: 'p50' },
          { expr: quantile(0.95, 'sketchyaf_realtime_timer_lag_seconds', ''), legend: 'p95' },
          { expr: quantile(0.99, 'sketchyaf_realtime_timer_lag_seconds', ''), legend: 'p99' },
        ],
        steps: [
          ['green', null],
          ['red', 5],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Broadcast latency: outbox commit to PubNub',
        description: 'SLO: p95 below 2 s (dashed line).',
        unit: 's',
        targets: [
          { expr: quantile(0.5, 'sketchyaf_realtime_publish_lag_seconds', ''), legend: 'p50' },
          { expr: quantile(0.95, 'sketchyaf_realtime_publish_lag_seconds', ''), legend: 'p95' },
          { expr: quantile(0.99, 'sketchyaf_realtime_publish_lag_seconds', ''), legend: 'p99' },
        ],
        steps: [
          ['green', null],
          ['red', 2],
        ],
      },
      {
        kind: 'timeseries',
        title: 'End-to-end latency: canary ingest to subscriber',
        description: 'Measured by the health service canary. SLO: p95 below 2 s (dashed line).',
        unit: 's',
        targets: [
          { expr: quantile(0.5, 'sketchyaf_realtime_canary_latency_seconds', ''), legend: 'p50' },
          { expr: quantile(0.95, 'sketchyaf_realtime_canary_latency_seconds', ''), legend: 'p95' },
        ],
        steps: [
          ['green', null],
          ['red', 2],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Ingest API latency p95 by route',
        description: 'The game backend posting events. SLO: p95 below 500 ms (dashed line).',
        unit: 's',
        targets: [
          {
            expr: quantile(
              0.95,
              'sketchyaf_realtime_http_request_duration_seconds',
              'route',
              `${ns}, route=~"/v1/.*"`,
            ),
            legend: '{{route}}',
          },
        ],
        steps: [
          ['green', null],
          ['red', 0.5],
        ],
      },
      {
        kind: 'timeseries',
        title: 'API error rate by component',
        description:
          '5xx share of API requests (probes, /metrics and /api/health excluded). SLO: below 0.5% (dashed line).',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (component) (rate(sketchyaf_realtime_http_requests_total{${api}, status=~"5.."}[$__rate_interval])) / sum by (component) (rate(sketchyaf_realtime_http_requests_total{${api}}[$__rate_interval]))`,
            legend: '{{component}}',
          },
        ],
        steps: [
          ['green', null],
          ['red', 0.005],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Canary delivery (15 m window)',
        description: 'Canary events received / sent. SLO: above 99.5% (dashed line).',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(rate(sketchyaf_realtime_canary_received_total{${ns}}[15m])) / sum(rate(sketchyaf_realtime_canary_sent_total{${ns}}[15m]))`,
            legend: 'delivered',
          },
        ],
        steps: [
          ['red', null],
          ['green', 0.995],
        ],
      },
      {
        kind: 'timeseries',
        title: 'API requests by component and status',
        description: 'Probes, /metrics and /api/health excluded.',
        unit: 'reqps',
        stack: true,
        targets: [
          {
            expr: `sum by (component, status) (rate(sketchyaf_realtime_http_requests_total{${api}}[$__rate_interval]))`,
            legend: '{{component}} {{status}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'PubNub publish attempts by outcome',
        description:
          'published, slow (published, slower than RELAY_SLOW_CALL_MS; not a failure), transient, rate_limited, configuration (keys refused; the event waits), poison (dead-lettered), rejected (circuit open).',
        unit: 'ops',
        stack: true,
        targets: [
          {
            expr: `sum by (result) (rate(sketchyaf_realtime_publish_attempts_total{${ns}}[$__rate_interval]))`,
            legend: '{{result}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'PubNub publish duration p95',
        description: 'One publish attempt, by success or failure.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.95, 'sketchyaf_realtime_publish_duration_seconds', 'result'),
            legend: '{{result}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Outbox backlog',
        description: 'Unpublished events in realtime_outbox (sum over the replicas of each component).',
        unit: 'short',
        targets: [
          {
            expr: `sum by (component) (sketchyaf_realtime_outbox_backlog{${ns}})`,
            legend: '{{component}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Oldest unpublished event',
        description: 'Warning above 30 s (dashed line), page above 120 s.',
        unit: 's',
        targets: [
          {
            expr: `max(sketchyaf_realtime_outbox_oldest_unpublished_age_seconds{${ns}})`,
            legend: 'age',
          },
        ],
        steps: [
          ['green', null],
          ['red', 30],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Overdue games',
        description:
          'Games more than 1 s past their deadline at the last sweep. Above 0 for 2 minutes pages.',
        unit: 'short',
        targets: [
          { expr: `sum by (pod) (sketchyaf_realtime_timer_overdue_games{${ns}})`, legend: '{{pod}}' },
        ],
        steps: [
          ['green', null],
          ['red', 1],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Timer statement duration p95',
        description: 'One batched compare-and-set statement.',
        unit: 's',
        targets: [
          { expr: quantile(0.95, 'sketchyaf_realtime_timer_statement_duration_seconds', ''), legend: 'p95' },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Timer batch size p95',
        description: 'Games per statement.',
        unit: 'short',
        targets: [{ expr: quantile(0.95, 'sketchyaf_realtime_timer_batch_size', ''), legend: 'p95' }],
      },
      {
        kind: 'timeseries',
        title: 'Ingest group commit p95',
        description: 'One group-commit statement of the ingest API, by result.',
        unit: 's',
        targets: [
          {
            expr: quantile(0.95, 'sketchyaf_realtime_ingest_commit_duration_seconds', 'result'),
            legend: '{{result}}',
          },
        ],
      },
    ],
  },
  {
    // The error budgets of k8s/monitoring/alert-rules.yaml (group sketchyaf-realtime.slo-budget); docs/metrics.md#error-budgets.
    title: 'Error budgets',
    panels: [
      {
        kind: 'stat',
        title: 'Error budget left (30 d)',
        description:
          'Per SLO: 1 - (mean of the hourly bad share over 30 days) / budget. Below 0: the SLO is breached for the period. Hours weigh the same whatever their traffic.',
        unit: 'percentunit',
        width: 12,
        decimals: 1,
        targets: [
          {
            expr: `1 - avg_over_time(namespace:sketchyaf_realtime_slo_errors:ratio_rate1h{${ns}}[30d]) / on (slo) group_left slo:sketchyaf_realtime_error_budget:ratio`,
            legend: '{{slo}}',
          },
        ],
        steps: [
          ['red', null],
          ['orange', 0],
          ['green', 0.25],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Burn rate, 1 h window',
        description:
          'Bad share over 1 h / budget, per SLO. 1 spends the budget in exactly 30 days; 14.4 (with the 5 m window) pages (DeliveryBudgetBurn, AvailabilityBudgetBurn, LatencyBudgetBurn).',
        unit: 'short',
        width: 12,
        targets: [
          {
            expr: `namespace:sketchyaf_realtime_slo_errors:ratio_rate1h{${ns}} / on (slo) group_left slo:sketchyaf_realtime_error_budget:ratio`,
            legend: '{{slo}}',
          },
        ],
        steps: [
          ['green', null],
          ['orange', 6],
          ['red', 14.4],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Burn rate, 6 h and 3 d windows',
        description:
          'Bad share / budget over 6 h (6 with the 30 m window pages) and over 3 d (1 with the 6 h window opens a ticket), per SLO.',
        unit: 'short',
        width: 12,
        targets: [
          {
            expr: `namespace:sketchyaf_realtime_slo_errors:ratio_rate6h{${ns}} / on (slo) group_left slo:sketchyaf_realtime_error_budget:ratio`,
            legend: '{{slo}} 6 h',
          },
          {
            expr: `namespace:sketchyaf_realtime_slo_errors:ratio_rate3d{${ns}} / on (slo) group_left slo:sketchyaf_realtime_error_budget:ratio`,
            legend: '{{slo}} 3 d',
          },
        ],
        steps: [
          ['green', null],
          ['orange', 1],
          ['red', 6],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Bad share, 5 m window',
        description:
          'Share of bad events per SLO over 5 minutes: lost canary events, down minutes, 5xx answers, events slower than the latency bound.',
        unit: 'percentunit',
        width: 12,
        targets: [{ expr: `namespace:sketchyaf_realtime_slo_errors:ratio_rate5m{${ns}}`, legend: '{{slo}}' }],
      },
    ],
  },
  {
    title: 'Coordination',
    panels: [
      {
        kind: 'timeseries',
        title: 'Shards owned by pod',
        description: 'Each replica should hold about SHARD_COUNT / replicas.',
        unit: 'short',
        stack: true,
        targets: [
          {
            expr: `sum by (component, pod) (sketchyaf_realtime_shards_owned{${ns}})`,
            legend: '{{component}} {{pod}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Shards without owner',
        description: 'Above 0 for 2 minutes pages (ShardsWithoutOwner).',
        unit: 'short',
        targets: [
          {
            expr: `max by (component) (sketchyaf_realtime_shard_count{${ns}}) - sum by (component) (sketchyaf_realtime_shards_owned{${ns}})`,
            legend: '{{component}}',
          },
        ],
        steps: [
          ['green', null],
          ['red', 1],
        ],
      },
      {
        kind: 'timeseries',
        title: 'Lease members and Redis nodes up',
        description: 'Replicas sharing the shards, and Redis nodes that answered the last heartbeat.',
        unit: 'short',
        targets: [
          {
            expr: `max by (component) (sketchyaf_realtime_lease_members{${ns}})`,
            legend: '{{component}} members',
          },
          {
            expr: `min by (component) (sketchyaf_realtime_lease_redis_nodes_up{${ns}})`,
            legend: '{{component}} redis nodes up',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Lease losses and extension failures (5 m)',
        description: 'Leases lost before release, and failed extensions, by reason.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (component, reason) (increase(sketchyaf_realtime_lease_losses_total{${ns}}[5m])) > 0`,
            legend: '{{component}} lost: {{reason}}',
          },
          {
            expr: `sum by (component, reason) (increase(sketchyaf_realtime_lease_extension_failures_total{${ns}}[5m])) > 0`,
            legend: '{{component}} extension failed: {{reason}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Lease acquisitions (5 m)',
        description:
          'Leases acquired, and failed attempts by reason (held_elsewhere is normal while rebalancing).',
        unit: 'short',
        targets: [
          {
            expr: `sum by (component) (increase(sketchyaf_realtime_lease_acquisitions_total{${ns}}[5m]))`,
            legend: '{{component}} acquired',
          },
          {
            expr: `sum by (component, reason) (increase(sketchyaf_realtime_lease_acquisition_failures_total{${ns}}[5m])) > 0`,
            legend: '{{component}} failed: {{reason}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'PubNub circuit by pod',
        description: '0 closed, 1 half-open, 2 open.',
        unit: 'short',
        mappings: [circuitMapping],
        targets: [{ expr: `max by (pod) (sketchyaf_realtime_circuit_state{${ns}})`, legend: '{{pod}}' }],
      },
      {
        kind: 'timeseries',
        title: 'PostgreSQL LISTEN connections',
        description: '1 while connected. The relay gauge stays 0 on pods that do not run the relay.',
        unit: 'short',
        mappings: [upDownMapping],
        targets: [
          {
            expr: `max by (pod) (sketchyaf_realtime_timer_listener_connected{${ns}})`,
            legend: '{{pod}} timers',
          },
          {
            expr: `max by (pod) (sketchyaf_realtime_relay_listener_connected{${ns}})`,
            legend: '{{pod}} relay',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Relay buffered and in-flight events',
        description: 'Claimed events held in memory, and PubNub publishes in flight.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (pod) (sketchyaf_realtime_relay_buffered_events{${ns}})`,
            legend: '{{pod}} buffered',
          },
          {
            expr: `sum by (pod) (sketchyaf_realtime_relay_in_flight_publishes{${ns}})`,
            legend: '{{pod}} in flight',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Database trouble',
        description: 'Failed timer statements, ingest commits retried, and ingest commits that failed.',
        unit: 'ops',
        targets: [
          {
            expr: `sum(rate(sketchyaf_realtime_timer_batch_failures_total{${ns}}[$__rate_interval]))`,
            legend: 'timer batch failures',
          },
          {
            expr: `sum(rate(sketchyaf_realtime_ingest_commit_retries_total{${ns}}[$__rate_interval]))`,
            legend: 'ingest commit retries',
          },
          {
            expr: `sum(rate(sketchyaf_realtime_ingest_commit_duration_seconds_count{${ns}, result!="ok"}[$__rate_interval]))`,
            legend: 'ingest commit failures',
          },
        ],
      },
    ],
  },
  {
    title: 'Resources',
    panels: [
      {
        kind: 'timeseries',
        title: 'CPU by pod (cores)',
        description: 'cAdvisor.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval]))`,
            legend: '{{pod}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Memory working set by pod',
        description: 'cAdvisor; the OOM killer acts on this.',
        unit: 'bytes',
        targets: [
          { expr: `sum by (pod) (container_memory_working_set_bytes{${containers}})`, legend: '{{pod}}' },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Node.js event loop lag p99',
        description: 'A busy event loop delays timers and publishes alike.',
        unit: 's',
        targets: [{ expr: `max by (pod) (nodejs_eventloop_lag_p99_seconds{${ns}})`, legend: '{{pod}}' }],
      },
      {
        kind: 'timeseries',
        title: 'Node.js heap used',
        description: 'prom-client default metrics.',
        unit: 'bytes',
        targets: [{ expr: `sum by (pod) (nodejs_heap_size_used_bytes{${ns}})`, legend: '{{pod}}' }],
      },
      {
        kind: 'timeseries',
        title: 'Container restarts (1 h)',
        description: 'kube-state-metrics.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${ns}}[1h])) > 0`,
            legend: '{{pod}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Database connections by pool',
        description:
          'Connections in use (open - idle) and the maximum, summed over the pods of each pool; the LISTEN connections are not pools (docs/capacity.md).',
        unit: 'short',
        targets: [
          {
            expr: `sum by (pool) (sketchyaf_realtime_db_pool_connections{${ns}} - sketchyaf_realtime_db_pool_idle_connections{${ns}})`,
            legend: '{{pool}} in use',
          },
          {
            expr: `sum by (pool) (sketchyaf_realtime_db_pool_max_connections{${ns}})`,
            legend: '{{pool}} max',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Queries waiting for a pool connection',
        description:
          'Queued because the pool is at its maximum, by pod and pool. Above 0 at every scrape for 5 minutes: DatabasePoolSaturated.',
        unit: 'short',
        targets: [
          {
            expr: `max by (pod, pool) (sketchyaf_realtime_db_pool_waiting_clients{${ns}})`,
            legend: '{{pod}} {{pool}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Available replicas by Deployment',
        description: 'kube-state-metrics.',
        unit: 'short',
        targets: [
          {
            expr: `sum by (deployment) (kube_deployment_status_replicas_available{${ns}})`,
            legend: '{{deployment}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Game activity',
    panels: [
      {
        kind: 'timeseries',
        title: 'Games completed per hour',
        description: 'Timed transitions results -> completed over the last hour.',
        unit: 'short',
        width: 12,
        targets: [
          {
            expr: `sum(increase(sketchyaf_realtime_timer_transitions_total{${ns}, to="completed"}[1h]))`,
            legend: 'completed',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Phase durations',
        description:
          'Time spent in each timed phase (p50 and p95); phases ended early by the backend are not counted.',
        unit: 's',
        width: 12,
        targets: [
          {
            expr: quantile(0.5, 'sketchyaf_realtime_timer_phase_duration_seconds', 'phase'),
            legend: '{{phase}} p50',
          },
          {
            expr: quantile(0.95, 'sketchyaf_realtime_timer_phase_duration_seconds', 'phase'),
            legend: '{{phase}} p95',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Timed transitions per minute',
        description: 'By the phase entered.',
        unit: 'short',
        stack: true,
        targets: [
          {
            expr: `sum by (to) (rate(sketchyaf_realtime_timer_transitions_total{${ns}}[$__rate_interval])) * 60`,
            legend: '{{to}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Games with a running timer',
        description: 'Games in a timed phase, held by the timer monitors.',
        unit: 'short',
        targets: [{ expr: `sum(sketchyaf_realtime_timer_tracked_games{${ns}})`, legend: 'games' }],
      },
      {
        kind: 'timeseries',
        title: 'Events accepted per minute by type',
        description: 'Written to the outbox by the ingest API.',
        unit: 'short',
        stack: true,
        targets: [
          {
            expr: `sum by (type) (rate(sketchyaf_realtime_ingest_events_accepted_total{${ns}}[$__rate_interval])) * 60`,
            legend: '{{type}}',
          },
        ],
      },
      {
        kind: 'timeseries',
        title: 'Events rejected per minute by reason',
        description: 'Refused by the ingest API (validation, auth, payload size, database unavailable).',
        unit: 'short',
        stack: true,
        targets: [
          {
            expr: `sum by (reason) (rate(sketchyaf_realtime_ingest_events_rejected_total{${ns}}[$__rate_interval])) * 60`,
            legend: '{{reason}}',
          },
        ],
      },
    ],
  },
];

export function buildDashboard(): Record<string, unknown> {
  return {
    uid: 'sketchyaf-realtime',
    title: 'SketchyAF Realtime',
    description:
      'Timers, event delivery, coordination, resources and game activity of SketchyAF Realtime. Metrics: docs/metrics.md.',
    tags: ['sketchyaf', 'realtime'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        title: 'Runbooks',
        type: 'link',
        url: 'https://github.com/sketchyaf/sketchyaf-realtime/tree/main/runbooks',
        targetBlank: true,
        icon: 'doc',
        tooltip: 'One page per alert, and incident response',
      },
    ],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
        },
        {
          name: 'namespace',
          label: 'Namespace',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          definition: `label_values(up{${components}}, namespace)`,
          query: { query: `label_values(up{${components}}, namespace)`, refId: 'namespace' },
          current: {},
          hide: 0,
          includeAll: false,
          multi: false,
          refresh: 2,
          regex: '',
          sort: 1,
        },
      ],
    },
    panels: layout(rows),
  };
}

/** The dashboard file's exact contents: JSON formatted like the rest of the repository. */
export async function renderDashboard(): Promise<string> {
  const options = (await resolveConfig(dashboardPath)) ?? {};
  return format(JSON.stringify(buildDashboard()), { ...options, parser: 'json' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(dashboardPath, await renderDashboard());
  console.log(`wrote ${dashboardPath}`);
}
