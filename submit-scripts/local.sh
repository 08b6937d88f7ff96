#!/usr/bin/env bash
# Trains a job in Spark local mode, no Spark installation needed:
#   submit-scripts/local.sh CONF [--set key=value ...] [--out DIR]
# Builds the jar and fetches MNIST into data/mnist first if they are missing.
# Environment: JAVA_OPTS (extra JVM options, default -Xmx8g), SPARKTRAIN_THREADS (native threads per worker).
set -euo pipefail
source "$(dirname "$0")/common.sh"

[[ $# -ge 1 ]] || die "usage: local.sh CONF [--set key=value ...] [--out DIR]"
[[ -f "$1" ]] || die "config file $1 not found"

build_if_missing
custom_data=0
for arg in "$@"; do [[ "$arg" == data.dir=* || "$arg" == data.format=* ]] && custom_data=1; done
# Only the MNIST formats read data/mnist.
grep -Eq '^\s*format\s*=\s*"(csv|text)"' "$1" && custom_data=1
if [[ $custom_data == 0 && ! -s "$ROOT/data/mnist/train-images-idx3-ubyte" && ! -s "$ROOT/data/mnist/train-images-idx3-ubyte.gz" ]]; then
  "$ROOT/submit-scripts/fetch-mnist.sh" "$ROOT/data/mnist"
fi

# Spark runs one task per worker in this JVM; give each the cores it owns, so the native (OpenMP) threads of
# concurrent tasks do not oversubscribe the machine.
workers=$(grep -Eo 'training\.workers=[0-9]+' <<<"$*" | tail -1 | cut -d= -f2 || true)
[[ -n "$workers" ]] || workers=$(grep -Eo '^\s*workers\s*=\s*[0-9]+' "$1" | tail -1 | grep -Eo '[0-9]+$' || true)
[[ -n "$workers" ]] || workers=2
threads=${SPARKTRAIN_THREADS:-$(( $(nproc) / workers > 0 ? $(nproc) / workers : 1 ))}
export OMP_NUM_THREADS=$threads

choose_native_build
cmd=(java ${JAVA_OPTS:--Xmx8g} "${JVM_OPENS[@]}" "${NATIVE_OPTS[@]}"
     -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties"
     -cp "$JAR${NATIVE_JAR:+:$NATIVE_JAR}:$SPARK_JARS/*" "$MAIN_CLASS" train "$@")
printf "+ OMP_NUM_THREADS=%s %s\n" "$OMP_NUM_THREADS" "$(printf "%q " "${cmd[@]}")" >&2
cd "$ROOT"
exec "${cmd[@]}"
