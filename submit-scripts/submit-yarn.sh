#!/usr/bin/env bash
# A job on YARN:
#   HADOOP_CONF_DIR=/etc/hadoop/conf submit-scripts/submit-yarn.sh cluster|client CONF [--set key=value ...] --out hdfs://...
# cluster: the driver runs in a YARN container (the job file is shipped with --files); client: here.
# Executors: set NUM_EXECUTORS (default 2); memory: EXECUTOR_MEMORY, NATIVE_MEMORY as in submit.sh, whose
# memoryOverhead keeps ND4J's off-heap inside YARN's container limit. Tested: YarnClusterIT runs both modes on
# Hadoop's MiniYARNCluster (a ResourceManager and a NodeManager) with HDFS (README "Clusters").
# Spark: $SPARK_HOME, a distribution with YARN support; without it, the one cluster-up.sh builds from Maven Central
# (under SPARKTRAIN_CLUSTER_DIR, default target/cluster; built here when missing). Spark uploads its jars (jars/) to
# the cluster on each submission unless spark.yarn.jars or spark.yarn.archive says where they already are, e.g.
# SPARK_SUBMIT_OPTS_EXTRA="--conf spark.yarn.archive=hdfs:///spark/spark-jars.zip".
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
if [[ -z "${SPARK_HOME:-}" ]]; then
  SPARK_HOME="$(spark_home_for_cluster "${SPARKTRAIN_CLUSTER_DIR:-$ROOT/target/cluster}")"
  export SPARK_HOME
fi
compgen -G "$SPARK_HOME/jars/spark-yarn_*.jar" > /dev/null || die "$SPARK_HOME has no Spark YARN module (jars/spark-yarn_*.jar)"
# Training starts when all executors have registered (or after 120 s with those there are): YARN starts containers
# one by one, and Spark's default (80% of them, or 30 s) let the first executor take every shard, cached there for
# the whole run, while the others came up idle.
export SPARK_SUBMIT_OPTS_EXTRA="--num-executors ${NUM_EXECUTORS:-2}
  --conf spark.scheduler.minRegisteredResourcesRatio=1.0 --conf spark.scheduler.maxRegisteredResourcesWaitingTime=120s
  --conf spark.authenticate=true --conf spark.network.crypto.enabled=true
  ${SPARK_SUBMIT_OPTS_EXTRA:-}"
exec "$ROOT/submit-scripts/submit.sh" "$conf" --master yarn --deploy-mode "$mode" "$@"
