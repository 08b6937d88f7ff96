#!/usr/bin/env bash
# A job on YARN:
#   HADOOP_CONF_DIR=/etc/hadoop/conf submit-scripts/submit-yarn.sh cluster|client CONF [--set key=value ...] --out hdfs://...
# cluster: the driver runs in a YARN container (the job file is shipped with --files); client: here.
# Executors: set NUM_EXECUTORS (default 2); memory: EXECUTOR_MEMORY, NATIVE_MEMORY as in submit.sh, whose
# memoryOverhead keeps ND4J's off-heap inside YARN's container limit. Not run in this project's CI (no YARN).
# Authenticated: spark.authenticate=true, for which Spark on YARN generates a secret per application and hands it
# to the executors in the application's credentials (nothing to manage here); RPC and block transfers encrypted
# (spark.network.crypto.enabled). A YARN external shuffle service, if the cluster uses one, must run with
# spark.authenticate=true too. SPARK_SUBMIT_OPTS_EXTRA comes later and wins, e.g. "--conf spark.authenticate=false".
set -euo pipefail
source "$(dirname "$0")/common.sh"
[[ $# -ge 2 ]] || die "usage: submit-yarn.sh cluster|client CONF [--set key=value ...] [--out DIR]"
mode="$1"; conf="$2"; shift 2
[[ "$mode" == cluster || "$mode" == client ]] || die "deploy mode must be cluster or client, got $mode"
[[ -n "${HADOOP_CONF_DIR:-${YARN_CONF_DIR:-}}" ]] || die "HADOOP_CONF_DIR (or YARN_CONF_DIR) is not set"
export SPARK_SUBMIT_OPTS_EXTRA="--num-executors ${NUM_EXECUTORS:-2}
  --conf spark.authenticate=true --conf spark.network.crypto.enabled=true
  ${SPARK_SUBMIT_OPTS_EXTRA:-}"
exec "$ROOT/submit-scripts/submit.sh" "$conf" --master yarn --deploy-mode "$mode" "$@"
