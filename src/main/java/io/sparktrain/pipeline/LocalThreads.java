package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.nn.NativeThreads;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native threads of a local-mode run, as the launcher asked with {@code -Dsparktrain.threads}: a count per
 * worker, or {@code per-worker} for the cores split among the job's workers (at least one each), so the native
 * (OpenMP) threads of concurrent tasks in this JVM do not oversubscribe the machine. {@code local.sh} and
 * {@code sparktrain.sh} ask this way for {@code train}, {@code retrain}, {@code evaluate} and {@code predict} instead
 * of setting {@code OMP_NUM_THREADS} from a job they would have to read in a JVM of their own first.
 */
final class LocalThreads {
    private static final Logger LOG = LoggerFactory.getLogger(LocalThreads.class);
    static final String PROPERTY = "sparktrain.threads";
    static final String PER_WORKER = "per-worker";

    private LocalThreads() {
    }

    /**
     * Sets the threads when the launcher asked and {@code master} is local; does nothing otherwise.
     *
     * @return the threads per worker set, empty when none were
     */
    static OptionalInt apply(String master, int workers) {
        String asked = System.getProperty(PROPERTY);
        if (asked == null || !master.startsWith("local")) {
            return OptionalInt.empty();
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = threads(asked, cores, workers);
        NativeThreads.set(threads);
        LOG.info("native threads per worker: {} ({}={}, {} cores, {} workers)", threads, PROPERTY, asked, cores,
                workers);
        return OptionalInt.of(threads);
    }

    /** The threads per worker {@code asked} means on {@code cores} cores with {@code workers} workers. */
    static int threads(String asked, int cores, int workers) {
        if (PER_WORKER.equals(asked)) {
            return NativeThreads.perWorker(cores, workers);
        }
        try {
            int n = Integer.parseInt(asked.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConfigException(PROPERTY + " (SPARKTRAIN_THREADS for local.sh) is " + asked
                + ": a whole number of threads per worker, at least 1, or " + PER_WORKER);
    }
}
