# Shared by the launch scripts: paths and the JVM options Spark and ND4J need on Java 17. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/sparktrain.jar"
APP_JAR="${SPARKTRAIN_JAR:-$JAR}"  # what spark-submit is given (an image's local:// path on Kubernetes)
SPARK_JARS="$ROOT/target/spark-jars"
MAIN_CLASS="io.sparktrain.cli.Main"

# Same list as <jvm.opens> in pom.xml.
JVM_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
)

# The ND4J native build for this machine's CPU: the oneDNN build for AVX-512 or AVX2 (oneDNN convolution, see
# io.sparktrain.nn.Dl4jConvHelper), the generic one otherwise. SPARKTRAIN_NATIVE_EXTENSION overrides: "-onednn-avx512",
# "-onednn-avx2", "-onednn", "-avx512", "-avx2", or "generic". Sets NATIVE_EXT, NATIVE_JAR ("" for the generic
# build inside the application jar) and NATIVE_OPTS (the JVM option that makes JavaCPP load it).
choose_native_build() {
  local ext
  if [[ -n "${SPARKTRAIN_NATIVE_EXTENSION+x}" ]]; then
    ext="$SPARKTRAIN_NATIVE_EXTENSION"
  elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    ext="-onednn-avx512"
  elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    ext="-onednn-avx2"
  else
    ext=""
  fi
  [[ "$ext" == generic ]] && ext=""
  NATIVE_EXT="$ext"
  NATIVE_JAR=""
  NATIVE_OPTS=()
  if [[ -n "$ext" ]]; then
    NATIVE_JAR=$(ls "$ROOT"/target/native/nd4j-native-*"$ext".jar 2>/dev/null | head -1 || true)
    [[ -n "$NATIVE_JAR" ]] || die "no ND4J native build for $ext in target/native (mvn package copies -onednn-avx2 and -onednn-avx512; SPARKTRAIN_NATIVE_EXTENSION=generic uses the built-in one)"
    NATIVE_OPTS=(-Dorg.bytedeco.javacpp.platform.extension="$ext")
  fi
}

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Spark size (512m, 4g) -> MiB; WHAT names the setting in the error.
mib() {  # SIZE WHAT
  local v="${1,,}"
  [[ "$v" =~ ^[0-9]+[mg]$ ]] || die "$2 is $1: memory sizes here are a whole number of m or g (e.g. 512m, 4g)"
  case "$v" in
    *g) echo $(( ${v%g} * 1024 )) ;;
    *m) echo "${v%m}" ;;
  esac
}

# ND4J's off-heap limits for one JVM, by the formula in README "Memory" (one place for every launcher):
#   overhead         = native + 1024m          spark.{executor,driver}.memoryOverhead: the container is heap + overhead
#   maxbytes         = native                  JavaCPP's cap on ND4J's off-heap arrays
#   maxphysicalbytes = heap + overhead - 512m  JavaCPP's cap on the whole process (RSS), below the container limit
# native is NATIVE_MEMORY (default 3g). Sets OVERHEAD_MIB and NATIVE_LIMIT_OPTS (the two JVM options).
native_limits() {  # HEAP WHAT (the setting the heap came from, for errors)
  local heap_mib native_mib
  heap_mib=$(mib "$1" "$2") || exit
  native_mib=$(mib "${NATIVE_MEMORY:-3g}" NATIVE_MEMORY) || exit
  OVERHEAD_MIB=$(( native_mib + 1024 ))
  NATIVE_LIMIT_OPTS=(-Dorg.bytedeco.javacpp.maxbytes="${native_mib}m"
                     -Dorg.bytedeco.javacpp.maxphysicalbytes="$(( heap_mib + OVERHEAD_MIB - 512 ))m")
}

# The JVM command line of the local launchers, in JAVA_CMD: the jar, the native build choose_native_build picked,
# the default heap (first argument) and ND4J's off-heap limits for the heap (native_limits), JAVA_OPTS, Spark's jars,
# the Java 17 opens and the log configuration, then sparktrain's arguments. JAVA_OPTS comes later, so its own -Xmx
# and -Dorg.bytedeco.javacpp.* win; the limits are derived from the heap that wins (the last -Xmx).
sparktrain_java() {  # DEFAULT_HEAP ARGS...
  local heap="$1" xmx o; shift
  xmx="${heap#-Xmx}"
  for o in ${JAVA_OPTS:-}; do [[ "$o" == -Xmx* ]] && xmx="${o#-Xmx}"; done
  native_limits "$xmx" "the heap (-Xmx)"
  JAVA_CMD=(java "$heap" "${NATIVE_LIMIT_OPTS[@]}" ${JAVA_OPTS:-} "${JVM_OPENS[@]}" "${NATIVE_OPTS[@]}"
            -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties"
            -cp "$JAR${NATIVE_JAR:+:$NATIVE_JAR}:$SPARK_JARS/*" "$MAIN_CLASS" "$@")
}

# Resolved values of a job's keys, as the jar reads them (includes, dotted keys and --set overrides count):
#   job_values CONF "SET_ARGS..." KEY... -> one value per line; exits with the jar's code on a bad job.
job_values() {
  local conf="$1"; shift
  local sets=() keys=()
  while [[ $# -gt 0 && "$1" != -- ]]; do sets+=("$1"); shift; done
  shift || true
  for k in "$@"; do keys+=(--get "$k"); done
  sparktrain_java -Xmx512m config "$conf" "${sets[@]}" "${keys[@]}"
  "${JAVA_CMD[@]}"
}

# The native threads per worker the jar gives each task of a local-mode job (-Dsparktrain.threads, which the jar's
# pipeline.LocalThreads reads): SPARKTRAIN_THREADS each, or by default the cores split among the job's workers.
# Prepended to JAVA_OPTS, so an option of the caller's there wins.
ask_threads_per_worker() {
  local threads=${SPARKTRAIN_THREADS:-per-worker}
  [[ "$threads" == per-worker || "$threads" =~ ^[1-9][0-9]*$ ]] \
    || die "SPARKTRAIN_THREADS is $threads: a whole number of native threads per worker, at least 1"
  JAVA_OPTS="-Dsparktrain.threads=$threads ${JAVA_OPTS:-}"
}

build_if_missing() {
  if [[ ! -f "$JAR" || ! -d "$SPARK_JARS" ]]; then
    echo "+ mvn -B -q -DskipTests package" >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package)
  fi
}

# A SPARK_HOME a standalone cluster can run from, and YARN jobs be submitted from: $SPARK_HOME when it is a Spark
# distribution, else one built under DIR/spark-home from Spark's artifacts on Maven Central (jars/ with Spark's YARN
# module, a RELEASE file, bin/spark-submit).
spark_home_for_cluster() {
  local dir="$1"
  if [[ -n "${SPARK_HOME:-}" && -d "${SPARK_HOME}/jars" && -x "${SPARK_HOME}/bin/spark-submit" ]]; then
    echo "$SPARK_HOME"; return
  fi
  local home="$dir/spark-home" pom="$ROOT/submit-scripts/spark-runtime/pom.xml" stamp
  # Rebuilt when spark-runtime/pom.xml changed since (a home from before it had Spark's YARN module, for one).
  stamp="$(sha256sum "$pom" | cut -c1-16)"
  if ! grep -qs "pom $stamp" "$home/RELEASE"; then
    echo "+ building $home from Maven Central (submit-scripts/spark-runtime/pom.xml)" >&2
    rm -rf "$home/jars" "$home/RELEASE"
    mkdir -p "$home/bin"
    (cd "$ROOT" && mvn -B -q -f submit-scripts/spark-runtime/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$home/jars") >&2
    echo "Spark 3.5.3 (jars from Maven Central, assembled by sparktrain's cluster-up.sh; spark-runtime pom $stamp)" \
      > "$home/RELEASE"
  fi
  # What a distribution's bin/spark-submit does (through bin/spark-class): Spark's launcher library builds the
  # driver's command line, so in client mode --driver-memory and spark.driver.extraJavaOptions (ND4J's limits, the
  # opens) reach the driver JVM. Rewritten on every call, so an older home gets it too.
  mkdir -p "$home/bin"
  cat > "$home/bin/spark-submit" <<'SCRIPT'
#!/usr/bin/env bash
# spark-submit for a SPARK_HOME built from Maven jars (written by sparktrain's common.sh), as a distribution's
# bin/spark-class runs it: Spark's launcher prints its messages, a NUL and a newline, then the command NUL-separated;
# its exit code comes last. The command is run in place of this script.
export SPARK_HOME="$(cd "$(dirname "$0")/.." && pwd)" SPARK_SCALA_VERSION=2.12
out=()
while IFS= read -r -d '' item; do out+=("$item"); done < <(java -Xmx128m -cp "$SPARK_HOME/jars/*" \
  org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit "$@"; printf '%d\0' $?)
code="${out[${#out[@]}-1]}"
[[ "$code" == 0 && ${#out[@]} -ge 3 ]] || exit "$(( code == 0 ? 1 : code ))"
[[ -z "${out[0]}" ]] || printf '%s' "${out[0]}" >&2
cmd=("${out[@]:1:${#out[@]}-2}")
cmd[0]="${cmd[0]#$'\n'}"
exec "${cmd[@]}"
SCRIPT
  chmod +x "$home/bin/spark-submit"
  echo "$home"
}

# The file holding the shared secret of the cluster cluster-up.sh started from DIR (Spark properties, mode 600).
cluster_auth_file() {  # DIR
  echo "$1/conf/spark-auth.conf"
}

# The malloc executors run with. With glibc's malloc, LSTM executors' resident memory grows over a long run on a
# cluster while the JVM's and JavaCPP's accounting stay flat; with jemalloc preloaded it stays flat
# (docs/reliability.md, "Flat memory"). EXECUTOR_MALLOC: "jemalloc" (the default where libjemalloc.so.2 is installed,
# Debian/Ubuntu: apt-get install libjemalloc2), "glibc" (keep the C library's), or a path to a malloc library to
# preload. The path must be the same on the executors' hosts (it is in this project's image). Sets MALLOC_OPTS
# (spark-submit options, empty for glibc).
choose_executor_malloc() {
  local choice="${EXECUTOR_MALLOC:-}" lib=""
  MALLOC_OPTS=()
  case "$choice" in
    glibc) return 0 ;;
    ""|jemalloc)
      for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 \
                 /usr/lib64/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 ""; do
        [[ -z "$lib" || -f "$lib" ]] && break
      done
      if [[ -z "$lib" ]]; then
        [[ "$choice" == jemalloc ]] && die "EXECUTOR_MALLOC=jemalloc but libjemalloc.so.2 is not installed (apt-get install libjemalloc2)"
        return 0
      fi ;;
    /*) [[ -f "$choice" ]] || die "EXECUTOR_MALLOC=$choice: no such file"; lib="$choice" ;;
    *) die "EXECUTOR_MALLOC must be jemalloc, glibc or an absolute path to a malloc library, got '$choice'" ;;
  esac
  MALLOC_OPTS=(--conf "spark.executorEnv.LD_PRELOAD=$lib")
}
