package io.sparktrain.pipeline;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Opens the jobs' Spark contexts. On a cluster, nothing runs until the application has its first executor or Spark
 * has given it up: Spark's standalone client stops the context from another thread when no master accepts the
 * application (unreachable, or refusing its authentication), just as the constructor returns, and a broadcast racing
 * that stop waits forever on a block lock (Spark 3.5.3; seen as a driver that never exits).
 */
public final class SparkContexts {
    private static final long POLL_MILLIS = 100;

    private SparkContexts() {
    }

    /**
     * A context for {@code conf}; on a cluster master, once an executor has registered.
     *
     * @throws ClusterUnavailableException when Spark stops the application before any executor registers
     */
    public static JavaSparkContext open(SparkConf conf) {
        JavaSparkContext sc = new JavaSparkContext(conf);
        String master = conf.get("spark.master", "");
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

    /** The cluster never gave the application an executor. */
    public static final class ClusterUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClusterUnavailableException(String message) {
            super(message);
        }
    }
}
