#!/usr/bin/env bash
# Runs a job through spark-submit on any master:
#   SPARK_HOME=/opt/spark submit-scripts/submit.sh CONF [--master URL] [--set key=value ...] [--out DIR]
# --master (default: spark-submit's own default) goes to spark-submit; everything else to the `train` command.
# Paths in the job (data.dir, --out) must be reachable from every executor: use hdfs:// or s3a:// on a cluster.
# Environment: SPARK_SUBMIT_OPTS_EXTRA (more spark-submit options, e.g. "--executor-memory 8g").
set -euo pipefail
source "$(dirname "$0")/common.sh"

[[ -n "${SPARK_HOME:-}" ]] || die "SPARK_HOME is not set (a Spark 3.5 installation, or use local.sh)"
[[ -x "$SPARK_HOME/bin/spark-submit" ]] || die "$SPARK_HOME/bin/spark-submit not found"
[[ $# -ge 1 ]] || die "usage: submit.sh CONF [--master URL] [--set key=value ...] [--out DIR]"
[[ -f "$JAR" ]] || die "$JAR not found: run 'mvn -DskipTests package' first"

conf="$1"; shift
master=()
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --master) [[ $# -ge 2 ]] || die "--master needs a URL"; master=(--master "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

opens="${JVM_OPENS[*]}"
cmd=("$SPARK_HOME/bin/spark-submit" "${master[@]}"
     --class "$MAIN_CLASS"
     --conf "spark.driver.extraJavaOptions=$opens"
     --conf "spark.executor.extraJavaOptions=$opens"
     ${SPARK_SUBMIT_OPTS_EXTRA:-}
     "$JAR" train "$conf" "${args[@]}")
echo "+ ${cmd[*]}" >&2
exec "${cmd[@]}"
