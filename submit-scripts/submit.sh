#!/usr/bin/env bash
# Runs a job through spark-submit on any master:
#   [SPARK_HOME=/opt/spark] submit-scripts/submit.sh CONF [--master URL] [--deploy-mode client|cluster]
#       [--set key=value ...] [--out DIR]
# a retraining cycle against a model registry (exit 0 promoted or unchanged, 7 kept by the gate, 8 registry busy):
#   submit-scripts/submit.sh retrain CONF --registry REGISTRY [--master URL] [--set key=value ...]
# or a saved model's evaluation or scoring there:
#   submit-scripts/submit.sh evaluate RUN_OR_MODEL [--master URL] [--data DIR] [--set key=value ...]
#   submit-scripts/submit.sh predict RUN_OR_MODEL [--master URL] --data DIR_OR_FILE --out OUT.csv|OUT.parquet
# SPARK_HOME defaults to the one cluster-up.sh built. --master and --deploy-mode go to spark-submit; the rest to the
# command (`train` unless evaluate or predict comes first). Paths in the job (data.dir, --out, the run folder) must be
# reachable from every executor: hdfs:// or s3a:// on a real cluster.
#
# Memory (environment, Spark size syntax):
#   EXECUTOR_MEMORY (4g)  JVM heap of each executor        DRIVER_MEMORY (4g)  JVM heap of the driver
#   NATIVE_MEMORY (3g)    ND4J's off-heap cap per JVM (org.bytedeco.javacpp.maxbytes); the containers'
#                         memoryOverhead is NATIVE_MEMORY + 1g, and maxphysicalbytes is heap + overhead - 512m,
#                         below the container limit (common.sh's native_limits; README "Memory").
#   EXECUTOR_CORES (1)    cores per executor; each runs one training shard at a time
#   EXECUTOR_MALLOC       the executors' malloc: jemalloc (default where libjemalloc.so.2 is installed), glibc,
#                         or a library path (common.sh's choose_executor_malloc; docs/reliability.md "Flat memory")
# SPARK_SUBMIT_OPTS_EXTRA: more spark-submit options, e.g. "--num-executors 4" or "--total-executor-cores 8".
set -euo pipefail
source "$(dirname "$0")/common.sh"

cluster_home="${SPARKTRAIN_CLUSTER_DIR:-$ROOT/target/cluster}/spark-home"
if [[ -z "${SPARK_HOME:-}" && -x "$cluster_home/bin/spark-submit" ]]; then export SPARK_HOME="$cluster_home"; fi
[[ -n "${SPARK_HOME:-}" ]] || die "SPARK_HOME is not set (a Spark 3.5 installation; cluster-up.sh builds one; or use local.sh)"
[[ -x "$SPARK_HOME/bin/spark-submit" ]] || die "$SPARK_HOME/bin/spark-submit not found"
[[ $# -ge 1 ]] || die "usage: submit.sh [retrain|evaluate|predict] CONF_OR_RUN [--master URL] [--deploy-mode MODE] [--set key=value ...] [--out DIR]"
[[ "$APP_JAR" == local://* || -f "$APP_JAR" ]] || die "$APP_JAR not found: run 'mvn -B -DskipTests package' first"

command=train
if [[ "$1" == retrain || "$1" == evaluate || "$1" == predict ]]; then command="$1"; shift; fi
[[ $# -ge 1 ]] || die "usage: submit.sh $command CONF_OR_RUN ..."
conf="$1"; shift
[[ -e "$conf" || "$conf" == *://* ]] || die "$([[ $command == *train ]] && echo "config file" || echo "run folder or model") $conf not found"
spark_args=()
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --master|--deploy-mode) [[ $# -ge 2 ]] || die "$1 needs a value"; spark_args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

choose_native_build
choose_executor_malloc
# ND4J's off-heap limits and the containers' memoryOverhead, by common.sh's native_limits (README "Memory").
native_limits "${DRIVER_MEMORY:-4g}" DRIVER_MEMORY
driver_limits="${NATIVE_LIMIT_OPTS[*]}"
native_limits "${EXECUTOR_MEMORY:-4g}" EXECUTOR_MEMORY
executor_limits="${NATIVE_LIMIT_OPTS[*]}"
# The driver's choice holds for every executor: a cluster of one CPU kind, or set SPARKTRAIN_NATIVE_EXTENSION.
native_build="${NATIVE_OPTS[*]}"
native_jars=()
if [[ -n "$NATIVE_JAR" ]]; then
  # An application jar inside an image (local://) has the native builds next to it, in the image too.
  [[ "$APP_JAR" == local://* ]] && NATIVE_JAR="local://$(dirname "${APP_JAR#local://}")/native/$(basename "$NATIVE_JAR")"
  native_jars=(--jars "$NATIVE_JAR")
fi
opens="${JVM_OPENS[*]}"

# In cluster deploy mode the driver runs elsewhere: ship the job file and name it by its base name.
job="$conf"
if [[ $command == *train && " ${spark_args[*]} " == *" --deploy-mode cluster "* && "$conf" != *://* ]]; then
  spark_args+=(--files "$conf")
  job="$(basename "$conf")"
fi

# The loopback cluster of cluster-up.sh is authenticated: its drivers need its secret, which spark-submit reads from
# the cluster's properties file (never from the command line, where ps would show it).
auth_args=()
cluster_dir="${SPARKTRAIN_CLUSTER_DIR:-$ROOT/target/cluster}"
auth="$(cluster_auth_file "$cluster_dir")"
if [[ -f "$auth" && -f "$cluster_dir/master-url" && " ${spark_args[*]} " == *" --master $(cat "$cluster_dir/master-url") "* ]]; then
  auth_args=(--properties-file "$auth")
  # The driver of a loopback cluster listens on loopback too (its RPC, block manager and web UI; the UI has no
  # authentication), not on the host's other interfaces.
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
fi

cmd=("$SPARK_HOME/bin/spark-submit" "${spark_args[@]}" "${auth_args[@]}"
     --class "$MAIN_CLASS"
     --driver-memory "${DRIVER_MEMORY:-4g}"
     --executor-memory "${EXECUTOR_MEMORY:-4g}"
     --executor-cores "${EXECUTOR_CORES:-1}"
     --conf "spark.executor.memoryOverhead=${OVERHEAD_MIB}m"
     --conf "spark.driver.memoryOverhead=${OVERHEAD_MIB}m"
     --conf "spark.driver.extraJavaOptions=$opens $driver_limits $native_build"
     --conf "spark.executor.extraJavaOptions=$opens $executor_limits $native_build"
     --conf "spark.executorEnv.OMP_NUM_THREADS=${EXECUTOR_CORES:-1}"
     "${MALLOC_OPTS[@]}"
     --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
     --conf spark.kryo.registrator=io.sparktrain.training.KryoRegistrator
     --conf spark.locality.wait=3s
     "${native_jars[@]}"
     ${SPARK_SUBMIT_OPTS_EXTRA:-}
     "$APP_JAR" "$command" "$job" "${args[@]}")
printf "+ %s\n" "$(printf "%q " "${cmd[@]}")" >&2
exec "${cmd[@]}"
