#!/usr/bin/env bash
# The alert rules and the Grafana dashboard have one source each, under
# k8s/monitoring/ (a plain Prometheus rule file, the dashboard JSON). Helm
# reads files only inside the chart, so the chart renders copies of them (a
# PrometheusRule, a ConfigMap for the Grafana sidecar); this script makes
# those copies. A test fails while a copy differs from its source.
#
#   scripts/helm/sync-rules.sh           copy the sources into the chart
#   scripts/helm/sync-rules.sh --check   exit 1 when a copy is stale
set -euo pipefail
cd "$(dirname "$0")/../.."

chart=charts/sketchyaf-realtime/files
pairs=(
  "k8s/monitoring/alert-rules.yaml $chart/alert-rules.yaml"
  "k8s/monitoring/dashboards/sketchyaf-realtime.json $chart/dashboards/sketchyaf-realtime.json"
)

status=0
for pair in "${pairs[@]}"; do
  read -r src dst <<<"$pair"
  if [ ! -f "$src" ]; then
    if [ -f "$dst" ]; then
      echo "sync-rules: $dst exists but its source $src does not" >&2
      status=1
    else
      echo "sync-rules: no $src yet, nothing to copy"
    fi
    continue
  fi
  if [ "${1:-}" = "--check" ]; then
    if cmp -s "$src" "$dst"; then
      echo "sync-rules: $dst is up to date"
    else
      echo "sync-rules: $dst differs from $src; run scripts/helm/sync-rules.sh" >&2
      status=1
    fi
    continue
  fi
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst"
  echo "sync-rules: copied $src to $dst"
done
exit "$status"
