#!/usr/bin/env bash
# Runs any sparktrain command in a local JVM (no cluster), e.g.
#   submit-scripts/sparktrain.sh make-control-charts data/control-charts
#   submit-scripts/sparktrain.sh sample runs/<run> --length 400 --prime "It is a truth"
# Training is local.sh (local mode) or submit.sh (clusters). Builds the jar first if it is missing.
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_if_missing
choose_native_build
exec java ${JAVA_OPTS:--Xmx4g} "${JVM_OPENS[@]}" "${NATIVE_OPTS[@]}" \
  -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
  -cp "$JAR${NATIVE_JAR:+:$NATIVE_JAR}:$SPARK_JARS/*" "$MAIN_CLASS" "$@"
