# Shared by the launch scripts: paths and the JVM options Spark and ND4J need on Java 17. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/sparktrain.jar"
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

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

build_if_missing() {
  if [[ ! -f "$JAR" || ! -d "$SPARK_JARS" ]]; then
    echo "+ mvn -B -q -DskipTests package" >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package)
  fi
}
