#!/usr/bin/env bash
# Round cost against the number of executors (docs/scaling.md): the same job at 1, 2, 4 ... executors of one core
# each on a running standalone cluster, then each run's mean round cost split into scheduling, broadcast, compute,
# result and averaging (metrics.json's rounds[].cost, averaged by round_costs.py).
#   submit-scripts/scaling.sh MASTER_URL OUT_DIR CONF "1 2 4 8" [--set key=value ...]
# Each run trains one epoch of ROUNDS rounds (default 30) with 8 examples per worker and averaging after every
# minibatch (tiny compute, so the communication parts show), unless the --set arguments say otherwise; the mean
# leaves out the first SKIP rounds (default 2), while fresh executors compile and warm up. The cluster needs as
# many one-core workers as the largest count (cluster-up.sh --workers 8 --worker-cores 1 --worker-memory 2g).
set -euo pipefail
source "$(dirname "$0")/common.sh"
[[ $# -ge 4 ]] || die "usage: scaling.sh MASTER_URL OUT_DIR CONF \"1 2 4 8\" [--set key=value ...]"
master="$1" out="$2" conf="$3" counts="$4"; shift 4
[[ -e "$conf" ]] || die "config file $conf not found"
mkdir -p "$out"
runs=()
for n in $counts; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "executor counts must be whole numbers > 0, got $n"
  run="$out/executors-$n"
  [[ ! -e "$run" ]] || die "$run already exists"
  SPARK_SUBMIT_OPTS_EXTRA="--conf spark.cores.max=$n ${SPARK_SUBMIT_OPTS_EXTRA:-}" \
    "$ROOT/submit-scripts/submit.sh" "$conf" --master "$master" \
    --set training.workers="$n" --set training.epochs=1 --set training.batchSizePerWorker=8 \
    --set training.averagingFrequency=1 --set data.trainLimit=$((n * 8 * ${ROUNDS:-30})) --set data.testLimit=100 \
    "$@" --out "$run" > "$run.log" 2>&1 || die "the $n-executor run failed: $run.log"
  runs+=("$run")
done
python3 "$ROOT/submit-scripts/round_costs.py" --skip "${SKIP:-2}" "${runs[@]}"
