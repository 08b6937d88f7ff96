#!/usr/bin/env bash
# Stops the cluster cluster-up.sh started: workers (and their executors) first, then the master. Leaves no process.
#   submit-scripts/cluster-down.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
dir="${SPARKTRAIN_CLUSTER_DIR:-$ROOT/target/cluster}"

stop() {
  local pidfile="$1" pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

shopt -s nullglob
for f in "$dir"/pids/worker-*.pid; do stop "$f"; done
# Executors are children of the workers; any left (a worker killed with -9) carry the cluster's work dir.
pkill -9 -f "CoarseGrainedExecutorBackend.*$dir/work" 2>/dev/null || true
[[ -f "$dir/pids/master.pid" ]] && stop "$dir/pids/master.pid"
pkill -9 -f "sparktrain.cluster=$dir" 2>/dev/null || true
# The secret was for this run of the cluster only.
rm -f "$(cluster_auth_file "$dir")" "$dir/master-url"
echo "cluster down ($dir)" >&2
