#!/usr/bin/env bash
# Runs any sparktrain command in a local JVM (Spark local mode where the command uses Spark), e.g.
#   submit-scripts/sparktrain.sh retrain conf/mnist-cnn.conf --registry models/mnist-cnn
#   submit-scripts/sparktrain.sh registry models/mnist-cnn list
#   submit-scripts/sparktrain.sh evaluate runs/<run>
#   submit-scripts/sparktrain.sh predict runs/<run> --data data/mnist/t10k-images-idx3-ubyte --out predictions.csv
#   submit-scripts/sparktrain.sh export runs/<run> --format onnx
#   submit-scripts/sparktrain.sh sample runs/<run> --length 400 --prime "It is a truth"
# Training is local.sh (local mode) or submit.sh (clusters). Builds the jar first if it is missing.
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_if_missing
choose_native_build
# train, retrain, evaluate and predict run one Spark task per worker of the job: the jar gives each the cores it
# owns (common.sh's ask_threads_per_worker, as for local.sh), so concurrent tasks' native threads do not
# oversubscribe the machine. An OMP_NUM_THREADS of the caller's is kept and used as it is.
[[ -n "${OMP_NUM_THREADS:-}" ]] || ask_threads_per_worker
sparktrain_java -Xmx4g "$@"
# Spark's scratch (blockmgr-*, spark-*) in a folder named after the JVM's pid (exec keeps this shell's), which the
# JVM removes at exit and the next run removes after a SIGKILL.
export SPARK_LOCAL_DIRS="${SPARK_LOCAL_DIRS:-${TMPDIR:-/tmp}/sparktrain-$$}"
exec "${JAVA_CMD[@]}"
