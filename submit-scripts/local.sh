#!/usr/bin/env bash
# Trains a job in Spark local mode, no Spark installation needed:
#   submit-scripts/local.sh CONF [--set key=value ...] [--out DIR]
# Builds the jar and fetches MNIST into data/mnist first if they are missing.
# Environment: JAVA_OPTS (extra JVM options, default -Xmx8g), SPARKTRAIN_THREADS (native threads per worker).
set -euo pipefail
source "$(dirname "$0")/common.sh"

[[ $# -ge 1 ]] || die "usage: local.sh CONF [--set key=value ...] [--out DIR]"
[[ -f "$1" ]] || die "config file $1 not found"
conf="$1"

build_if_missing
choose_native_build
# Only the MNIST formats read data/mnist: when it is missing, ask the jar whether the job wants it there (its
# resolved keys, includes and --set overrides counted; a bad job fails here with the jar's one-line error and exit
# code) and fetch it. With the data present the job's own JVM is the only one started.
if [[ ! -s "$ROOT/data/mnist/train-images-idx3-ubyte" && ! -s "$ROOT/data/mnist/train-images-idx3-ubyte.gz" ]]; then
  sets=()
  args=("${@:2}")
  for (( i = 0; i < ${#args[@]}; i++ )); do
    [[ "${args[i]}" == --set && $(( i + 1 )) -lt ${#args[@]} ]] && sets+=(--set "${args[i+1]}")
  done
  values=$(job_values "$conf" "${sets[@]}" -- data.format data.dir) || exit $?
  { read -r format; read -r data_dir; } <<<"$values"
  if [[ ( "$format" == mnist || "$format" == seq-mnist ) && "$data_dir" == data/mnist ]]; then
    "$ROOT/submit-scripts/fetch-mnist.sh" "$ROOT/data/mnist"
  fi
fi

# Spark runs one task per worker in this JVM; the jar gives each the cores it owns (the cores split among the job's
# workers, or SPARKTRAIN_THREADS each), so the native (OpenMP) threads of concurrent tasks do not oversubscribe the
# machine.
unset OMP_NUM_THREADS
ask_threads_per_worker
sparktrain_java -Xmx8g train "$@"
printf "+ %s\n" "$(printf "%q " "${JAVA_CMD[@]}")" >&2
cd "$ROOT"
# Spark's scratch (blockmgr-*, spark-*) in a folder named after the JVM's pid (exec keeps this shell's), which the
# JVM removes at exit and the next run removes after a SIGKILL.
export SPARK_LOCAL_DIRS="${SPARK_LOCAL_DIRS:-${TMPDIR:-/tmp}/sparktrain-$$}"
exec "${JAVA_CMD[@]}"
