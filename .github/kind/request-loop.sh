#!/usr/bin/env bash
# A request loop against the broadcaster of the kind cluster (NodePort on
# 127.0.0.1:8080): one canary event every 100 ms, each HTTP status recorded.
# Bounded: it stops by itself after 20 minutes.
#
#   API_TOKEN=... request-loop.sh start   runs in the background
#   request-loop.sh stop                  ends it; fails unless every request was accepted (202)
set -euo pipefail
dir=${RUNNER_TEMP:-/tmp}/request-loop

case "${1:-}" in
  start)
    : "${API_TOKEN:?set API_TOKEN}"
    rm -rf "$dir" && mkdir -p "$dir" && : >"$dir/codes"
    setsid bash -c '
      end=$((SECONDS + 1200))
      n=0
      while [ ! -f "$0/stop" ] && [ "$SECONDS" -lt "$end" ]; do
        n=$((n + 1))
        body="{\"type\":\"canary\",\"userId\":\"rollback-rehearsal\",\"data\":{\"probeId\":\"loop-$n\",\"sentAt\":\"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)\"}}"
        code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 5 -X POST \
          -H "authorization: Bearer $API_TOKEN" -H "content-type: application/json" \
          --data "$body" http://127.0.0.1:8080/v1/events || true)
        echo "$(date -u +%H:%M:%S.%N) $code" >>"$0/codes"
        sleep 0.1
      done
    ' "$dir" </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/pid"
    ;;
  stop)
    touch "$dir/stop"
    pid=$(cat "$dir/pid")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    total=$(wc -l <"$dir/codes")
    failed=$(grep -vc ' 202$' "$dir/codes" || true)
    echo "request loop: $total requests, $failed not accepted"
    if [ "$total" -eq 0 ] || [ "$failed" -ne 0 ]; then
      grep -v ' 202$' "$dir/codes" | head -50
      exit 1
    fi
    ;;
  *)
    echo "usage: request-loop.sh start|stop" >&2
    exit 2
    ;;
esac
