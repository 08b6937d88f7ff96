#!/usr/bin/env bash
# A job on a Spark standalone cluster (cluster-up.sh's, or any), driver in this process:
#   submit-scripts/submit-standalone.sh CONF [--set key=value ...] [--out DIR]
#   submit-scripts/submit-standalone.sh retrain|evaluate|predict ...   (as submit.sh)
# SPARK_MASTER_URL (default spark://127.0.0.1:7077); SPARK_HOME as in submit.sh. Memory and
# other settings: see submit.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || die "usage: submit-standalone.sh [retrain|evaluate|predict] CONF_OR_RUN [--set key=value ...] [--out DIR]"
exec "$ROOT/submit-scripts/submit.sh" "$@" --master "${SPARK_MASTER_URL:-spark://127.0.0.1:7077}" \
  --deploy-mode client
