#!/usr/bin/env bash
# The alert rules have one source, k8s/monitoring/alert-rules.yaml (a plain
# Prometheus rule file). The chart renders a copy of it as a PrometheusRule;
# this script makes that copy. A test fails while the two differ.
#
#   scripts/helm/sync-rules.sh           copy the source into the chart
#   scripts/helm/sync-rules.sh --check   exit 1 when the copy is stale
set -euo pipefail
cd "$(dirname "$0")/../.."

src=k8s/monitoring/alert-rules.yaml
dst=charts/sketchyaf-realtime/files/alert-rules.yaml

if [ ! -f "$src" ]; then
  if [ -f "$dst" ]; then
    echo "sync-rules: $dst exists but its source $src does not" >&2
    exit 1
  fi
  echo "sync-rules: no $src yet, nothing to copy"
  exit 0
fi

if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$src" "$dst"; then
    echo "sync-rules: $dst differs from $src; run scripts/helm/sync-rules.sh" >&2
    exit 1
  fi
  echo "sync-rules: $dst is up to date"
  exit 0
fi

mkdir -p "$(dirname "$dst")"
cp "$src" "$dst"
echo "sync-rules: copied $src to $dst"
