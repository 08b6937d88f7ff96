package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the jobs' Spark contexts. On a cluster, nothing runs until the application has its first executor or Spark
 * has given it up: Spark's standalone client stops the context from another thread when no master accepts the
 * application (unreachable, or refusing its authentication), just as the constructor returns, and a broadcast racing
 * that stop waits forever on a block lock (Spark 3.5.3; seen as a driver that never exits).
 *
 * <p>Set-up errors that are the user's to fix (a master URL Spark does not know, a heap below Spark's minimum, a
 * file system whose connector is missing) become {@link ConfigException}s of one line instead of Spark's traces. In
 * local mode each process gets a Spark scratch folder of its own, {@code java.io.tmpdir/sparktrain-PID} (or the
 * launch scripts' {@code SPARK_LOCAL_DIRS=TMPDIR/sparktrain-PID}), removed at exit; those of processes that are gone (SIGKILL) are removed by the next context opened on the host.
 */
public final class SparkContexts {
    private static final Logger LOG = LoggerFactory.getLogger(SparkContexts.class);
    private static final long POLL_MILLIS = 100;
    private static final String SCRATCH_PREFIX = "sparktrain-";
    private static final Pattern SCRATCH = Pattern.compile(Pattern.quote(SCRATCH_PREFIX) + "(\\d+)");
    private static final Pattern MEMORY = Pattern.compile("(?s).*memory .* must be at least .*");
    private static final Pattern MASTER = Pattern.compile(
            "local(\\[(\\d+|\\*)(,\\s*\\d+)?])?|local-cluster\\[.+]|spark://.+|yarn|k8s://.+|mesos://.+");
    private static final AtomicReference<JavaSparkContext> CURRENT = new AtomicReference<>();
    private static volatile Path scratch;

    private SparkContexts() {
    }

    /**
     * A context for {@code conf}; on a cluster master, once an executor has registered.
     *
     * @throws ClusterUnavailableException when Spark stops the application before any executor registers
     * @throws ConfigException when Spark refuses the master URL or the memory it was given
     */
    public static JavaSparkContext open(SparkConf conf) {
        String master = conf.get("spark.master", "");
        checkBeforeSpark(conf, master);
        SparkConf effective = withScratch(conf);
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(effective);
        } catch (Exception e) { // Scala throws SparkException, a checked exception Java cannot see declared
            throw setupError(e, master).orElseThrow(() -> e instanceof RuntimeException r ? r
                    : new IllegalStateException("starting Spark: " + e.getMessage(), e));
        }
        CURRENT.set(sc);
        // Local mode runs tasks in the driver; with dynamic allocation executors only come once tasks are queued.
        if (master.startsWith("local") || conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            return sc;
        }
        // The driver counts among the executor infos.
        while (sc.sc().statusTracker().getExecutorInfos().length < 2) {
            if (sc.sc().isStopped()) {
                throw new ClusterUnavailableException("Spark stopped the application before any executor started: "
                        + "the master at " + master + " did not accept it (unreachable, or refusing its "
                        + "authentication: a cluster started by cluster-up.sh needs submit.sh, which passes its secret)");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sc.close();
                throw new IllegalStateException("interrupted while waiting for the first executor", e);
            }
        }
        return sc;
    }

    /**
     * What Spark would refuse with an ERROR log and a trace from inside its constructor, refused here first in one
     * line: a master URL of no known form, and (in local and client mode, where this JVM is the driver) a heap
     * below Spark's minimum of 1.5 times its 300 MiB reserve.
     */
    static void checkBeforeSpark(SparkConf conf, String master) {
        if (!MASTER.matcher(master).matches()) {
            throw setupError(new IllegalArgumentException("Could not parse Master URL: " + master), master).get();
        }
        long system = conf.getLong("spark.testing.memory", Runtime.getRuntime().maxMemory());
        long reserved = conf.getLong("spark.testing.reservedMemory",
                conf.contains("spark.testing") ? 0 : 300L * 1024 * 1024);
        long minimum = (long) Math.ceil(reserved * 1.5);
        if (system < minimum) {
            throw new ConfigException("Spark refused the memory it was given: the driver's heap is "
                    + system / (1024 * 1024) + " MiB (-Xmx, or spark.driver.memory with spark-submit), Spark needs at "
                    + "least " + minimum / (1024 * 1024) + " MiB");
        }
    }

    /** The context {@link #open} opened last, while it runs (a signal handler cancels its jobs). */
    public static Optional<JavaSparkContext> current() {
        return Optional.ofNullable(CURRENT.get()).filter(sc -> !sc.sc().isStopped());
    }

    /** The one-line message for a set-up error the user can fix, if {@code e} is one. */
    static Optional<ConfigException> setupError(Throwable e, String master) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.startsWith("Could not parse Master URL")) {
                return Optional.of(new ConfigException("spark.master " + master + " is not a master URL Spark "
                        + "knows: local, local[N], local[*], spark://HOST:PORT, yarn or k8s://https://HOST:PORT"));
            }
            if (MEMORY.matcher(m).matches()) {
                return Optional.of(new ConfigException("Spark refused the memory it was given: "
                        + m.replaceAll("\\s+", " ").trim()));
            }
        }
        return missingConnector(e).map(ConfigException::new);
    }

    /**
     * When {@code e} comes from a file system whose connector is not on the class path (an {@code s3a://} path
     * without hadoop-aws), which jars to add; empty otherwise.
     */
    public static Optional<String> missingConnector(Throwable e) {
        String hadoop = org.apache.hadoop.util.VersionInfo.getVersion();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof ClassNotFoundException && m.contains("org.apache.hadoop.fs.s3a.")) {
                return Optional.of("s3a:// paths need Hadoop's S3A connector, which is not on the class path: add "
                        + "hadoop-aws-" + hadoop + ".jar (it must match Hadoop " + hadoop + ") and the "
                        + "aws-java-sdk-bundle jar that hadoop-aws " + hadoop + " depends on, e.g. spark-submit "
                        + "--packages org.apache.hadoop:hadoop-aws:" + hadoop);
            }
            if (t instanceof org.apache.hadoop.fs.UnsupportedFileSystemException) {
                return Optional.of(m + " (Hadoop " + hadoop + " has no connector for it on the class path: add "
                        + "the jar of that file system's connector, built for Hadoop " + hadoop + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * {@code conf} with a Spark scratch folder of this process's own in local mode, unless the user chose one
     * ({@code spark.local.dir} or {@code SPARK_LOCAL_DIRS}): Spark's {@code blockmgr-*} and {@code spark-*} folders
     * then go where this process, or the next one after a SIGKILL, can find and remove them. On a cluster the
     * executors' own settings stay in charge.
     */
    static SparkConf withScratch(SparkConf conf) {
        String master = conf.get("spark.master", "");
        if (!master.startsWith("local") || conf.contains("spark.local.dir")) {
            return conf;
        }
        String env = System.getenv("SPARK_LOCAL_DIRS");
        if (env != null) {
            // The launch scripts export SPARK_LOCAL_DIRS=TMP/sparktrain-PID for the JVM they exec (same pid), which
            // Spark reads before spark.local.dir and without warning that it "will be overridden"; any other value
            // is the user's choice and stays theirs.
            Path given = Path.of(env);
            if (given.getFileName() != null && given.getParent() != null
                    && given.getFileName().toString().equals(SCRATCH_PREFIX + ProcessHandle.current().pid())) {
                scratchFolder(given.getParent());
            }
            return conf;
        }
        return conf.clone().set("spark.local.dir",
                scratchFolder(Path.of(System.getProperty("java.io.tmpdir"))).toString());
    }

    /** {@code tmp/sparktrain-PID}, created on first use and removed at exit. */
    static synchronized Path scratchFolder(Path tmp) {
        removeDeadScratch(tmp); // at every context: a long-lived JVM also cleans up after processes killed since
        if (scratch == null) {
            Path own = tmp.resolve(SCRATCH_PREFIX + ProcessHandle.current().pid());
            try {
                Files.createDirectories(own);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("creating Spark's scratch folder " + own + ": "
                        + e.getMessage(), e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(own), "sparktrain-scratch-cleanup"));
            scratch = own;
        }
        return scratch;
    }

    /** Removes the scratch folders in {@code tmp} of processes that are no longer alive. */
    static void removeDeadScratch(Path tmp) {
        try (Stream<Path> entries = Files.list(tmp)) {
            entries.forEach(p -> {
                Matcher m = SCRATCH.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)
                        && ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)
                        == Boolean.FALSE) {
                    LOG.info("removing {}, Spark scratch of process {}, which is gone", p, m.group(1));
                    deleteTree(p);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not look for Spark scratch leftovers in {}: {}", tmp, e.getMessage());
        }
    }

    /** Best effort: what cannot be removed stays (and a later run retries). */
    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | RuntimeException e) {
            // nothing to do at exit; the next run removes the rest
        }
    }

    /** The cluster never gave the application an executor. */
    public static final class ClusterUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClusterUnavailableException(String message) {
            super(message);
        }
    }
}
