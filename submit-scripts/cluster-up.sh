#!/usr/bin/env bash
# Starts a real Spark standalone cluster on loopback: one master and N workers, each its own JVM, executors in
# their own JVMs too. Built from Spark's artifacts on Maven Central when no Spark installation is given.
#   submit-scripts/cluster-up.sh [--workers N] [--port 7077] [--ui-port 8080] [--worker-cores 1] [--worker-memory 6g]
# Environment: SPARKTRAIN_CLUSTER_DIR (default target/cluster): spark-home/, logs/, pids/, work/ live there.
#              SPARK_HOME: use this Spark distribution's jars instead of building one from Maven.
# Each worker offers --worker-memory to executors: it must cover submit.sh's EXECUTOR_MEMORY (4g by default).
# Prints the master URL on the last line. Stop it with cluster-down.sh.
# Authenticated: each start generates a new shared secret into conf/spark-auth.conf (mode 600, in a mode 700
# directory) under the cluster dir; master and workers read it with --properties-file, and submit.sh passes the same
# file to spark-submit when --master is this cluster's. Clients without it are refused (README "Clusters").
set -euo pipefail
source "$(dirname "$0")/common.sh"

workers=2; port=7077; ui_port=8080; worker_cores=1; worker_memory=6g
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --ui-port) ui_port="$2"; shift 2 ;;
    --worker-cores) worker_cores="$2"; shift 2 ;;
    --worker-memory) worker_memory="$2"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done

dir="${SPARKTRAIN_CLUSTER_DIR:-$ROOT/target/cluster}"
mkdir -p "$dir/logs" "$dir/pids" "$dir/work"
[[ -z "$(ls -A "$dir/pids")" ]] || die "a cluster is already running from $dir (run cluster-down.sh first)"

home="$(spark_home_for_cluster "$dir")"
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
cp="$home/jars/*"
logconf="-Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties"

# Spark's RPC authentication with one secret for this cluster's daemons, the executors they start and its drivers.
# Spark 3.5 takes a standalone cluster's secret only as the property spark.authenticate.secret
# (spark.authenticate.secret.file is for Kubernetes only), so it goes into a properties file only this user can
# read; nothing puts it on a command line, where `ps` would show it to everyone. Workers hand it to the executors
# they start in the environment (_SPARK_AUTH_SECRET), which only this user can read. A new secret on every start.
auth="$(cluster_auth_file "$dir")"
mkdir -p "$(dirname "$auth")"
chmod 700 "$(dirname "$auth")"
(
  umask 077
  defaults="${SPARK_CONF_DIR:-$home/conf}/spark-defaults.conf"
  {
    echo "# Written by cluster-up.sh for the cluster in $dir; secret for this run of the cluster only."
    # A distribution's own defaults still apply: --properties-file replaces spark-defaults.conf.
    if [[ -f "$defaults" ]]; then grep -v '^[[:space:]]*spark\.authenticate' "$defaults" || true; fi
    echo "spark.authenticate true"
    echo "spark.authenticate.secret $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    # Encrypt RPC and block transfers too, with version 2 of Spark's key exchange. (AES/GCM/NoPadding as
    # spark.network.crypto.cipher was tried: on Spark 3.5.3 the workers' registrations never reached the master.)
    echo "spark.network.crypto.enabled true"
    echo "spark.network.crypto.authEngineVersion 2"
    echo "spark.network.crypto.saslFallback false"
    # The unauthenticated REST submission gateway stays off; the web UIs offer no kill buttons.
    echo "spark.master.rest.enabled false"
    echo "spark.ui.killEnabled false"
  } > "$auth.tmp"
  mv "$auth.tmp" "$auth"
)

start() { # name, then the java arguments
  local name="$1"; shift
  echo "+ java $*" >&2
  nohup java -Xmx1g "${JVM_OPENS[@]}" "$logconf" -Dsparktrain.cluster="$dir" -cp "$cp" "$@" --properties-file "$auth" \
    > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids/$name.pid"
}

wait_for() { # description, command
  local what="$1"; shift
  for _ in $(seq 1 120); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  "$ROOT/submit-scripts/cluster-down.sh" >/dev/null 2>&1 || true
  die "timed out waiting for $what (logs in $dir/logs)"
}

start master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui_port"
wait_for "the master on port $port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"

for i in $(seq 1 "$workers"); do
  start "worker-$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$worker_cores" \
    --memory "$worker_memory" --webui-port $((ui_port + i)) --work-dir "$dir/work/worker-$i" \
    "spark://127.0.0.1:$port"
done

wait_for "$workers workers to register" bash -c "[[ \$(curl -fs http://127.0.0.1:$ui_port/json/ | grep -o '\"state\" *: *\"ALIVE\"' | wc -l) -ge $workers ]]"
echo "spark://127.0.0.1:$port" > "$dir/master-url"
echo "cluster up: $workers workers x $worker_cores cores, authenticated ($auth); logs in $dir/logs; SPARK_HOME=$home" >&2
echo "spark://127.0.0.1:$port"
