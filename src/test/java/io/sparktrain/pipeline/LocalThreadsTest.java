package io.sparktrain.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.config.ConfigException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** local.sh's -Dsparktrain.threads: the cores split among the workers, or a count, set in ND4J before Spark. */
class LocalThreadsTest {

    @Test
    void perWorkerSplitsTheCoresAndGivesEachWorkerAtLeastOne() {
        assertEquals(1, LocalThreads.threads("per-worker", 2, 2));
        assertEquals(2, LocalThreads.threads("per-worker", 8, 3));
        assertEquals(1, LocalThreads.threads("per-worker", 1, 4));
        assertEquals(3, LocalThreads.threads("3", 2, 2));
    }

    @Test
    void aBadCountIsOneLineNamingTheSetting() {
        for (String bad : new String[] {"0", "-1", "two", ""}) {
            ConfigException e = assertThrows(ConfigException.class, () -> LocalThreads.threads(bad, 2, 2));
            assertTrue(e.getMessage().startsWith("sparktrain.threads (SPARKTRAIN_THREADS for local.sh) is " + bad),
                    e.getMessage());
        }
    }

    @Test
    void appliesToLocalMastersOnlyAndOnlyWhenAsked() {
        // Surefire runs tests with OMP_NUM_THREADS=1, below which ND4J cannot go and above which it does not rise:
        // the effect on the executors is checked end to end by CI's local.sh run (its kernels' OpenMP threads).
        String previous = System.getProperty(LocalThreads.PROPERTY);
        try {
            System.clearProperty(LocalThreads.PROPERTY);
            assertEquals(OptionalInt.empty(), LocalThreads.apply("local[2]", 2), "not asked");
            System.setProperty(LocalThreads.PROPERTY, "per-worker");
            assertEquals(OptionalInt.empty(), LocalThreads.apply("spark://localhost:7077", 2),
                    "a cluster's executors set their own");
            int cores = Runtime.getRuntime().availableProcessors();
            assertEquals(OptionalInt.of(Math.max(1, cores / 2)), LocalThreads.apply("local[2]", 2));
            System.setProperty(LocalThreads.PROPERTY, "1");
            assertEquals(OptionalInt.of(1), LocalThreads.apply("local[2]", 2));
            assertEquals(1, Nd4j.getEnvironment().maxMasterThreads());
            System.setProperty(LocalThreads.PROPERTY, "none");
            assertThrows(ConfigException.class, () -> LocalThreads.apply("local[2]", 2));
        } finally {
            if (previous == null) {
                System.clearProperty(LocalThreads.PROPERTY);
            } else {
                System.setProperty(LocalThreads.PROPERTY, previous);
            }
        }
    }
}
