#!/usr/bin/env bash
# A job on Kubernetes, driver and executors in pods of the image built from docker/Dockerfile:
#   K8S_API=https://host:6443 IMAGE=registry/sparktrain:0.1.0 submit-scripts/submit-k8s.sh CONF [--set k=v ...] --out s3a://...
# The job file is shipped with --files; data and output must be on a shared file system (hdfs://, s3a://).
# NUM_EXECUTORS (2), NAMESPACE (default), SERVICE_ACCOUNT (spark); memory as in submit.sh. Not run in this
# project's CI (no Kubernetes).
# Authenticated (spark.authenticate=true, RPC encrypted). By default Spark generates a secret per application and
# gives it to the executor pods as an environment variable: anyone allowed to read pods in NAMESPACE can read it.
# AUTH_SECRET_NAME names a Kubernetes Secret to use instead (key AUTH_SECRET_KEY, default "secret"; e.g.
# `kubectl create secret generic sparktrain-auth --from-literal=secret=$(openssl rand -hex 32)`): it is mounted into
# the driver and executor pods at /etc/sparktrain-auth and read as spark.authenticate.secret.file, so the secret is
# in no pod spec, environment or command line.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[[ $# -ge 1 ]] || die "usage: submit-k8s.sh CONF [--set key=value ...] [--out DIR]"
[[ -n "${K8S_API:-}" ]] || die "K8S_API is not set (the Kubernetes API server URL)"
[[ -n "${IMAGE:-}" ]] || die "IMAGE is not set (an image built from docker/Dockerfile)"
conf="$1"; shift
export SPARK_SUBMIT_OPTS_EXTRA="--conf spark.executor.instances=${NUM_EXECUTORS:-2}
  --conf spark.kubernetes.container.image=$IMAGE
  --conf spark.kubernetes.namespace=${NAMESPACE:-default}
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=${SERVICE_ACCOUNT:-spark}
  --conf spark.authenticate=true --conf spark.network.crypto.enabled=true
  ${AUTH_SECRET_NAME:+--conf spark.kubernetes.driver.secrets.$AUTH_SECRET_NAME=/etc/sparktrain-auth
  --conf spark.kubernetes.executor.secrets.$AUTH_SECRET_NAME=/etc/sparktrain-auth
  --conf spark.authenticate.secret.file=/etc/sparktrain-auth/${AUTH_SECRET_KEY:-secret}}
  ${SPARK_SUBMIT_OPTS_EXTRA:-}"
# The jar inside the image, not this machine's.
export SPARKTRAIN_JAR="local:///opt/sparktrain/target/sparktrain.jar"
exec "$ROOT/submit-scripts/submit.sh" "$conf" --master "k8s://$K8S_API" --deploy-mode cluster "$@"
