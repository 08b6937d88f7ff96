#!/usr/bin/env bash
# Soak benchmark: trains a job for thousands of averaging rounds and shows whether memory grows, per round and per
# epoch, on the driver and on each executor (live heap after GC, JavaCPP's off-heap bytes, resident set size).
#   submit-scripts/soak.sh CONF [--set key=value ...] [--cluster MASTER_URL]
# Runs in local mode through local.sh, or with --cluster through submit-standalone.sh. Every round's readings come
# from the run's metrics.jsonl; the summary prints, per JVM and reading, the mean of the first and the last tenth of
# the rounds, the least-squares slope per 1,000 rounds and each epoch's maximum.
set -euo pipefail
source "$(dirname "$0")/common.sh"

[[ $# -ge 1 ]] || die "usage: soak.sh CONF [--set key=value ...] [--cluster MASTER_URL]"
conf="$1"; shift
args=(); master=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster) master="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
out="${SOAK_OUT:-$(mktemp -d)/soak-run}"
if [[ -z "$master" ]]; then
  "$ROOT/submit-scripts/local.sh" "$conf" "${args[@]}" --out "$out"
else
  SPARK_MASTER_URL="$master" "$ROOT/submit-scripts/submit-standalone.sh" "$conf" "${args[@]}" --out "$out"
fi
python3 "$ROOT/submit-scripts/soak_summary.py" "$out/metrics.jsonl"
