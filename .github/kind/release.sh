#!/usr/bin/env bash
# The chart on the kind cluster of .github/kind (CI only). HELM is the helm
# binary (node scripts/helm/helmBinary.ts).
#
#   release.sh install             helm upgrade --install, then helm test
#   release.sh rollback-automatic  broken upgrade with --rollback-on-failure: helm rolls back by itself
#   release.sh rollback-manual     broken upgrade, then `helm rollback` by hand
#   release.sh diagnose            what went wrong, for the job log
set -euo pipefail
cd "$(dirname "$0")/../.."

helm=${HELM:?set HELM to the helm binary}
ns=sketchyaf-realtime
rel=sketchyaf-realtime
chart=charts/sketchyaf-realtime
# The health service is written in a later issue; deploy it once it exists.
health=$([ -f services/health/src/main.ts ] && echo true || echo false)
# A release whose broadcaster fails its configuration check at start
# (DB_POOL_MAX below 2): its pods never get ready.
broken=(--set broadcaster.env.DB_POOL_MAX=1)

upgrade() {
  "$helm" upgrade --install "$rel" "$chart" --namespace "$ns" \
    --values .github/kind/values-kind.yaml --set "health.enabled=$health" "$@"
}
field() { "$helm" status "$rel" --namespace "$ns" --output json | jq -r "$1"; }
last_description() { "$helm" history "$rel" --namespace "$ns" --output json | jq -r '.[-1].description'; }
fail() {
  echo "release.sh: $*" >&2
  exit 1
}

assert_rolled_back_to() {
  local good=$1
  [ "$(field .info.status)" = deployed ] || fail "status $(field .info.status), want deployed"
  last_description | grep -q "Rollback to $good" || fail "last revision: $(last_description)"
  kubectl --namespace "$ns" get configmap "$rel-broadcaster" -o json | jq -e '.data.DB_POOL_MAX == null' >/dev/null ||
    fail "the broken configuration is still in place"
  for deployment in $(kubectl --namespace "$ns" get deployment --selector "app.kubernetes.io/instance=$rel" -o name); do
    kubectl --namespace "$ns" rollout status "$deployment" --timeout 180s
  done
}

case "${1:-}" in
  install)
    upgrade --rollback-on-failure --wait --timeout 5m
    "$helm" test "$rel" --namespace "$ns" --timeout 3m --logs
    ;;
  rollback-automatic)
    good=$(field .version)
    if upgrade "${broken[@]}" --rollback-on-failure --wait --timeout 2m; then fail "the broken release was accepted"; fi
    [ "$(field .version)" -eq $((good + 2)) ] || fail "revision $(field .version), want $((good + 2)) (failed + rollback)"
    assert_rolled_back_to "$good"
    ;;
  rollback-manual)
    good=$(field .version)
    if upgrade "${broken[@]}" --wait --timeout 90s; then fail "the broken release was accepted"; fi
    [ "$(field .info.status)" = failed ] || fail "status $(field .info.status), want failed"
    "$helm" rollback "$rel" "$good" --namespace "$ns" --wait --timeout 3m
    assert_rolled_back_to "$good"
    ;;
  diagnose)
    "$helm" history "$rel" --namespace "$ns" || true
    kubectl get pods --all-namespaces -o wide || true
    kubectl --namespace "$ns" describe pods || true
    kubectl --namespace "$ns" logs --selector "app.kubernetes.io/instance=$rel" --all-containers --prefix --tail 100 || true
    kubectl --namespace "$ns" get events --sort-by .lastTimestamp || true
    ;;
  *)
    fail "usage: release.sh install|rollback-automatic|rollback-manual|diagnose"
    ;;
esac
